"""Snakemake script: train the softmax network with GD or momentum; keep the best-validation
iteration."""

from digitface.digits.training import train_softmax_job
from digitface.logs import log_to_file

log_to_file(snakemake.log[0])
params = snakemake.params
out = snakemake.output
train_softmax_job(
    snakemake.input.data,
    params.schedule,
    params.init,
    params.refit,
    snakemake.wildcards.optimizer,
    snakemake.threads,
    out.history,
    out.metrics,
    out.weights,
)
