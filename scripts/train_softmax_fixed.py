"""Snakemake script: the reference's protocol, a fixed number of iterations on all training
images (train + validation) with nothing selected; the last iteration's train/test accuracy."""

from digitface.digits.training import reference_protocol_job
from digitface.logs import log_to_file

log_to_file(snakemake.log[0])
params = snakemake.params
reference_protocol_job(
    snakemake.input.data,
    params.schedule,
    params.init,
    params.iterations,
    snakemake.wildcards.optimizer,
    snakemake.threads,
    snakemake.output.metrics,
)
