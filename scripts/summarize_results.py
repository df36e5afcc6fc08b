"""Snakemake script: every result of the run in one table, beside the reference's numbers."""

from digitface.atomic import write_tsv
from digitface.logs import log_to_file
from digitface.results_table import HEADER, combined_rows, read_table

log_to_file(snakemake.log[0])
rows = combined_rows(read_table(snakemake.input.digits), read_table(snakemake.input.faces))
write_tsv(snakemake.output.table, HEADER, rows)
