"""Snakemake script: record every list row that cannot be used, and check the actors exist."""

import logging

from digitface.atomic import write_tsv
from digitface.faces.list_source import name_collisions
from digitface.faces.lists import read_list
from digitface.logs import log_to_file

log_to_file(snakemake.log[0])
actors = list(snakemake.params.actors)
rejects, names = [], set()
for path in snakemake.input.lists:
    rows, bad = read_list(path)
    rejects += bad + name_collisions(rows, actors)
    names.update(r.name for r in rows)
    logging.info("%s: %d rows, %d rejected", path, len(rows), len(bad))
missing = sorted(set(actors) - names)
if missing:
    raise SystemExit(f"faces.actors not found in any list (names must match exactly): {', '.join(missing)}")
write_tsv(snakemake.output.rejects, ["source", "line", "reason", "text"],
          [[r.source, r.line, r.reason, r.text.replace("\t", "\\t")] for r in rejects])
