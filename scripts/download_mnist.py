"""Snakemake script: fetch one MNIST IDX file from the configured mirrors."""

from digitface.digits.download import DownloadSettings, download_idx
from digitface.logs import log_to_file

log_to_file(snakemake.log[0])
download_idx(snakemake.wildcards.stem, snakemake.params.mirrors, snakemake.output.gz,
             settings=DownloadSettings(**snakemake.params.settings))
