"""Snakemake script: AlexNet features of a few consecutive chunks, each its own cached file."""

from digitface.faces.models.extraction import extraction_job
from digitface.logs import log_to_file

log_to_file(snakemake.log[0])
params = snakemake.params
extraction_job(
    params.chunks,
    params.arrays,
    snakemake.input.crops,
    params.cache,
    snakemake.output.part,
    params.alexnet,
    params.weights,
    snakemake.input.get("weights"),
    threads=snakemake.threads,
)
