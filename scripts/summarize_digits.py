"""Snakemake script: the digits metrics table, side by side with the reference numbers."""

from digitface.logs import log_to_file
from digitface.report.digits_table import summarize_digits

log_to_file(snakemake.log[0])
summarize_digits(snakemake.input, snakemake.output.table)
