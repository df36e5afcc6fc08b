"""Snakemake script: every seed of the MLP and a linear softmax on the face descriptors."""

from digitface.faces.models.training import train_on_descriptors
from digitface.logs import log_to_file

log_to_file(snakemake.log[0])
train_on_descriptors(
    snakemake.input.index,
    snakemake.input.parts,
    snakemake.input.problems,
    snakemake.params.cache,
    snakemake.params.settings,
    snakemake.params.seeds,
    snakemake.threads,
    snakemake.output,
)
