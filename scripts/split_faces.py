"""Snakemake script: index every cropped face and split it per actor after deduplication."""

from digitface.faces.data.face_index import split_job
from digitface.logs import log_to_file

log_to_file(snakemake.log[0])
params = snakemake.params
split_job(
    params.batches,
    snakemake.input.manifests,
    snakemake.input.crops,
    params.split,
    params.actors,
    snakemake.output.index,
)
