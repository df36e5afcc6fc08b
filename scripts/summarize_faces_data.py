"""Snakemake script: the per-actor data summary (listed, fetched, verified, cropped, reasons)."""

from digitface.faces.data.manifest import summarize_manifests
from digitface.logs import log_to_file

log_to_file(snakemake.log[0])
summarize_manifests(snakemake.input.manifests, snakemake.params.actors, snakemake.output.summary)
