"""Snakemake script: read the lists once; each actor's rows in its own file; every list line
that cannot be used in the rejects table, with why."""

import logging

from digitface.atomic import write_tsv
from digitface.faces.list_source import actors_rows, write_actor_rows
from digitface.logs import log_to_file

log_to_file(snakemake.log[0])
names = list(snakemake.params.actors)
by_actor, rejects = actors_rows(snakemake.input.lists, names)
missing = sorted(n for n, rows in by_actor.items() if not rows)
if missing:
    raise SystemExit(f"faces.actors not found in any list (names must match exactly): {', '.join(missing)}")
for name, path in zip(names, snakemake.output.actors):
    write_actor_rows(path, by_actor[name])
    logging.info("%s: %d rows", name, len(by_actor[name]))
write_tsv(snakemake.output.rejects, ["source", "line", "reason", "text"],
          [[r.source, r.line, r.reason, r.text.replace("\t", "\\t")] for r in rejects])
