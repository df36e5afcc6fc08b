"""Snakemake script: AlexNet features of a few consecutive chunks, each its own cached file."""

from digitface.faces.chunks import from_params
from digitface.faces.extraction import extract_chunks
from digitface.logs import log_to_file

log_to_file(snakemake.log[0])
params = snakemake.params
extract_chunks(from_params(params.chunks), dict(zip(params.arrays, snakemake.input.crops)), params.cache,
               snakemake.output.part, params.alexnet, params.weights, snakemake.input.get("weights"),
               threads=snakemake.threads)
