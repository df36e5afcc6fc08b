"""Snakemake script: the per-actor data summary (listed, fetched, verified, cropped, reasons)."""

from digitface.faces.manifest import by_person, read_manifest, write_summary
from digitface.logs import log_to_file

log_to_file(snakemake.log[0])
records = [r for path in snakemake.input.manifests for r in read_manifest(path)]
write_summary(snakemake.output.summary, by_person(records, snakemake.params.actors))
