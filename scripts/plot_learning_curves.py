"""Snakemake script: learning curves (accuracy and cost per iteration) of one optimizer."""

from digitface.digits.figures import plot_learning_curves
from digitface.logs import log_to_file

log_to_file(snakemake.log[0])
plot_learning_curves(
    snakemake.input.history, snakemake.input.metrics, snakemake.params.data, snakemake.output.png, snakemake.output.svg
)
