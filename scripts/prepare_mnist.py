"""Snakemake script: load the configured MNIST source and write the seeded split."""

from digitface.digits.prepare import prepare_job
from digitface.logs import log_to_file

log_to_file(snakemake.log[0])
prepare_job(
    snakemake.params.source, snakemake.input, snakemake.params.split, snakemake.output.data, snakemake.output.summary
)
