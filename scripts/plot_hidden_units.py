"""Snakemake script: the hidden units that push one actor's configured image towards that actor,
what each learned, and the training face that drives it most."""

from digitface.faces.models.model_figures import plot_hidden_units
from digitface.logs import log_to_file

log_to_file(snakemake.log[0])
params = snakemake.params
plot_hidden_units(
    snakemake.input.index,
    params.batches,
    snakemake.input.crops,
    snakemake.input.model,
    snakemake.wildcards.actor,
    params.name,
    params.image_id,
    params.top,
    params.seed,
    params.data,
    snakemake.output.png,
    snakemake.output.stats,
)
