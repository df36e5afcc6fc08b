"""Snakemake script: read the lists once; each actor's rows in its own file; every list line
that cannot be used in the rejects table, with why."""

from digitface.faces.data.list_source import index_lists
from digitface.logs import log_to_file

log_to_file(snakemake.log[0])
index_lists(snakemake.input.lists, snakemake.params.actors, snakemake.output.actors, snakemake.output.rejects)
