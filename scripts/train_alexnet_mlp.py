"""Snakemake script: one seed of the MLP on AlexNet feature chunks, the epoch kept on validation."""

from digitface.faces.training import RunFiles, train_on_features
from digitface.logs import log_to_file

log_to_file(snakemake.log[0])
out = snakemake.output
train_on_features(snakemake.input.index, snakemake.input.parts, snakemake.params.cache, snakemake.params.settings,
                  int(snakemake.wildcards.seed), snakemake.threads, RunFiles(out.history, out.metrics, out.model))
