"""Snakemake script: fetch and verify one batch's images (one actor by default), actor by
actor, each into its own store (concurrent within an actor, resumable)."""

from digitface.faces.fetch import FetchSettings, download_actor
from digitface.faces.list_source import read_actor_rows
from digitface.faces.manifest import DUPLICATE_FACE_ID, FaceRecord, write_manifest
from digitface.logs import log_to_file

log_to_file(snakemake.log[0])
params = snakemake.params
settings = FetchSettings(**{**params.settings, "schemes": tuple(params.settings["schemes"])})
records = []
for rows_file, store, journal in zip(snakemake.input.rows, params.stores, params.journals):
    by_base, clashes = read_actor_rows(rows_file)
    # A face_id another list already gave this actor would share its crop file: recorded, not used.
    records += [FaceRecord(row, DUPLICATE_FACE_ID, "", DUPLICATE_FACE_ID) for row in clashes]
    for base_dir, rows in by_base.items():
        # Local paths in a list's url column are relative to that list's folder, and stay inside it.
        records += download_actor(rows, store, journal, settings, base_dir=base_dir)
write_manifest(snakemake.output.manifest, records)
