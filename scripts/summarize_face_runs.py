"""Snakemake script: mean ± sd over seeds of one classifier, and its learning curves."""

from digitface.faces.models.seeds import write_seed_summary
from digitface.logs import log_to_file

log_to_file(snakemake.log[0])
write_seed_summary(
    snakemake.input.metrics,
    snakemake.input.histories,
    snakemake.output.summary,
    snakemake.output.png,
    snakemake.params.title,
)
