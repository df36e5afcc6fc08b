"""Snakemake script: check the three gradient methods agree, then time them over N and K."""

from digitface.backprop.measure import measure_job
from digitface.logs import log_to_file

log_to_file(snakemake.log[0])
out = snakemake.output
measure_job(snakemake.params.backprop, out.timings, out.fits, out.summary)
