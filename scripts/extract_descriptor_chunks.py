"""Snakemake script: dlib's face descriptor of a few consecutive chunks, each its own cached file."""

from digitface.faces.models.descriptor_extraction import descriptor_job
from digitface.logs import log_to_file

log_to_file(snakemake.log[0])
params = snakemake.params
descriptor_job(
    params.chunks, params.arrays, snakemake.input.crops, params.cache, snakemake.output.part, snakemake.output.problems
)
