"""Snakemake script: index every cropped face and split it per actor after deduplication."""

import logging

from digitface.faces.face_index import build_index, write_index
from digitface.faces.manifest import read_manifest
from digitface.faces.npy_file import NpyFile
from digitface.faces.split import SplitSettings
from digitface.logs import log_to_file

log_to_file(snakemake.log[0])
actors = snakemake.params.actors
manifests = {a: read_manifest(p) for a, p in zip(actors, snakemake.input.manifests)}
crops = {a: NpyFile(p) for a, p in zip(actors, snakemake.input.crops)}
cfg = dict(snakemake.params.split)
seed = cfg.pop("seed")
rows = build_index(manifests, crops, SplitSettings(**cfg), seed=seed)
write_index(snakemake.output.index, rows)
for actor in actors:
    sets = [r.set for r in rows if r.actor == actor]
    logging.info("%s: %s", actor, {s: sets.count(s) for s in sorted(set(sets))})
