"""Snakemake script: one seed of the MLP on AlexNet feature chunks, the epoch kept on validation."""

from digitface.faces.models.training import train_on_features
from digitface.logs import log_to_file

log_to_file(snakemake.log[0])
train_on_features(
    snakemake.input.index,
    snakemake.input.parts,
    snakemake.params.cache,
    snakemake.params.settings,
    snakemake.wildcards.seed,
    snakemake.threads,
    snakemake.output,
)
