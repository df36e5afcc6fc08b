"""Snakemake script: every result of the run in one table, beside the reference's numbers."""

from digitface.logs import log_to_file
from digitface.report.results_table import summarize_results

log_to_file(snakemake.log[0])
summarize_results(snakemake.input, snakemake.output.table)
