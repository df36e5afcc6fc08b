"""Snakemake script: accuracy of the course's snapshot50.pkl as a tanh network (300 units)."""

from digitface.digits.snapshot import evaluate_snapshot_job
from digitface.logs import log_to_file

log_to_file(snakemake.log[0])
evaluate_snapshot_job(snakemake.input.snapshot, snakemake.input.data, snakemake.output.metrics)
