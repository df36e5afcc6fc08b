"""Snakemake script: the per-actor data summary (listed, fetched, verified, cropped, reasons)."""

from digitface.faces.manifest import read_manifest, write_summary
from digitface.logs import log_to_file

log_to_file(snakemake.log[0])
by_actor = {actor: read_manifest(path)
            for actor, path in zip(snakemake.params.actors, snakemake.input.manifests)}
write_summary(snakemake.output.summary, by_actor)
