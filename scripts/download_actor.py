"""Snakemake script: fetch and verify one actor's images (concurrent, resumable)."""

from digitface.faces.fetch import FetchSettings, download_actor
from digitface.faces.list_source import actor_rows
from digitface.faces.manifest import write_manifest
from digitface.logs import log_to_file

log_to_file(snakemake.log[0])
actor = snakemake.wildcards.actor
settings = FetchSettings(**{**snakemake.params.settings,
                            "schemes": tuple(snakemake.params.settings["schemes"])})
by_list, _ = actor_rows(snakemake.input.lists, actor)
if not by_list:
    raise SystemExit(f"no list rows for actor '{actor}' in {list(snakemake.input.lists)}")
records = []
for path, rows in by_list.items():
    # Local paths in a list's url column are relative to that list's folder, and stay inside it.
    records += download_actor(rows, snakemake.params.store, snakemake.params.journal, settings,
                              base_dir=path.parent)
write_manifest(snakemake.output.manifest, records)
