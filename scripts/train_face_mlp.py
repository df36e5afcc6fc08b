"""Snakemake script: one seed of the MLP on 64x64 crops, the epoch kept on validation."""

from digitface.faces.training import RunFiles, train_on_crops
from digitface.logs import log_to_file

log_to_file(snakemake.log[0])
out = snakemake.output
train_on_crops(snakemake.input.index, snakemake.params.batches, snakemake.input.crops, snakemake.params.settings,
               int(snakemake.wildcards.seed), snakemake.threads, RunFiles(out.history, out.metrics, out.model))
