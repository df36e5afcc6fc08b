"""Snakemake script: the digits metrics table, side by side with the reference numbers."""

from digitface.digits.summary import summarize_digits
from digitface.logs import log_to_file

log_to_file(snakemake.log[0])
summarize_digits(snakemake.input, snakemake.output.table)
