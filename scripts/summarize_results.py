"""Snakemake script: every result of the run in one table, beside the reference's numbers."""

from digitface.atomic import read_tsv, write_tsv
from digitface.logs import log_to_file
from digitface.results_table import HEADER, combined_rows

log_to_file(snakemake.log[0])
tables = {name: read_tsv(path) for name, path in snakemake.input.items()}
rows = combined_rows(tables.get("digits", []), tables.get("faces", []))
write_tsv(snakemake.output.table, HEADER, rows)
