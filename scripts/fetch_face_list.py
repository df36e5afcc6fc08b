"""Snakemake script: download one FaceScrub list and check its SHA-256."""

from digitface.faces.data.list_source import fetch_list
from digitface.logs import log_to_file

log_to_file(snakemake.log[0])
fetch_list(snakemake.params.url, snakemake.params.sha256, snakemake.output.txt)
