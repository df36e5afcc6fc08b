"""Snakemake script: 10 examples of each digit in one figure."""

from digitface.digits.figures import plot_digit_gallery
from digitface.logs import log_to_file

log_to_file(snakemake.log[0])
plot_digit_gallery(snakemake.input.data, snakemake.params.gallery, snakemake.params.data, snakemake.output.png)
