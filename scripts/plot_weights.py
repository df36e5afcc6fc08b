"""Snakemake script: each digit's learned weights as a 28x28 image, on one colour scale."""

from digitface.digits.figures import plot_weights
from digitface.logs import log_to_file

log_to_file(snakemake.log[0])
plot_weights(snakemake.input.weights, snakemake.wildcards.optimizer, snakemake.params.data, snakemake.output.png)
