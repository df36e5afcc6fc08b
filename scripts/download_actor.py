"""Snakemake script: fetch and verify one actor's images (concurrent, resumable)."""

from digitface.faces.fetch import FetchSettings, download_actor
from digitface.faces.list_source import actor_rows
from digitface.faces.manifest import DUPLICATE_FACE_ID, FaceRecord, write_manifest
from digitface.logs import log_to_file

log_to_file(snakemake.log[0])
name = snakemake.params.name
settings = FetchSettings(**{**snakemake.params.settings,
                            "schemes": tuple(snakemake.params.settings["schemes"])})
by_list, clashes, _ = actor_rows(snakemake.input.lists, name)
if not by_list:
    raise SystemExit(f"no list rows for actor {name!r} in {list(snakemake.input.lists)}")
# A face_id another list already gave this actor would share its crop file: recorded, not used.
records = [FaceRecord(row, DUPLICATE_FACE_ID, "", DUPLICATE_FACE_ID) for row in clashes]
for path, rows in by_list.items():
    # Local paths in a list's url column are relative to that list's folder, and stay inside it.
    records += download_actor(rows, snakemake.params.store, snakemake.params.journal, settings,
                              base_dir=path.parent)
write_manifest(snakemake.output.manifest, records)
