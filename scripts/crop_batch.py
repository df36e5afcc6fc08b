"""Snakemake script: crop one batch's verified images to every size; the batch's final
manifest and one crop array per size."""

from digitface.faces.data.crop_job import crop_batch
from digitface.logs import log_to_file

log_to_file(snakemake.log[0])
params = snakemake.params
crop_batch(
    params.names,
    params.stores,
    snakemake.input.manifest,
    params.crops,
    params.settings,
    snakemake.output.manifest,
    snakemake.output.arrays,
    snakemake.threads,
)
