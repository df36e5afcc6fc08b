"""Snakemake script: one seed of the MLP on 64x64 crops, the epoch kept on validation."""

from digitface.faces.models.training import train_on_crops
from digitface.logs import log_to_file

log_to_file(snakemake.log[0])
train_on_crops(
    snakemake.input.index,
    snakemake.params.batches,
    snakemake.input.crops,
    snakemake.params.settings,
    snakemake.wildcards.seed,
    snakemake.threads,
    snakemake.output,
)
