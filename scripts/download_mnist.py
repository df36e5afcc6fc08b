"""Snakemake script: fetch one MNIST IDX file from the configured mirrors."""

from digitface.digits.download import download_mnist
from digitface.logs import log_to_file

log_to_file(snakemake.log[0])
download_mnist(snakemake.wildcards.stem, snakemake.params.mirrors, snakemake.params.settings, snakemake.output.gz)
