"""Snakemake script: a table's reading copy for the report (HTML, human column names, sortable)."""

from digitface.logs import log_to_file
from digitface.report.pages import tsv_page

log_to_file(snakemake.log[0])
tsv_page(snakemake.input.tsv, snakemake.output.html, snakemake.wildcards.table, snakemake.params.provenance)
