"""Snakemake script: fetch and verify one batch's images (one actor by default) through one
pool, each actor into its own store (resumable); the batch's download manifest."""

from digitface.faces.data.download_job import download_job
from digitface.logs import log_to_file

log_to_file(snakemake.log[0])
params = snakemake.params
download_job(snakemake.input.rows, params.stores, params.journals, params.settings, snakemake.output.manifest)
