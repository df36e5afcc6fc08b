"""Snakemake script: the log-log figure of the three methods' timings with fitted slopes."""

from digitface.backprop.figures import plot_cost
from digitface.logs import log_to_file

log_to_file(snakemake.log[0])
plot_cost(snakemake.input.summary, snakemake.output.png)
