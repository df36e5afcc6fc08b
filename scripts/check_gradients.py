"""Snakemake script: central differences against analytic gradients; fails if out of tolerance."""

from digitface.digits.gradcheck import gradient_check_job
from digitface.logs import log_to_file

log_to_file(snakemake.log[0])
gradient_check_job(
    snakemake.input.data,
    snakemake.params.gradcheck,
    snakemake.params.init,
    snakemake.output.table,
    snakemake.output.verdict,
)
