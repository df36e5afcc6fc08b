"""Snakemake script: the ImageNet AlexNet weights, checked against their pinned SHA-256."""

from digitface.faces.models.weights import fetch_alexnet_weights
from digitface.logs import log_to_file

log_to_file(snakemake.log[0])
fetch_alexnet_weights(snakemake.params.settings, snakemake.output.weights)
