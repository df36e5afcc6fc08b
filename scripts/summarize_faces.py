"""Snakemake script: the face classifiers' metrics table, side by side with the reference."""

from digitface.logs import log_to_file
from digitface.report.faces_table import write_summary_table

log_to_file(snakemake.log[0])
params = snakemake.params
write_summary_table(
    snakemake.input,
    snakemake.output.table,
    params.data,
    params.weights,
    params.alexnet,
    len(params.actors),
    params.not_comparable,
    params.descriptor,
)
