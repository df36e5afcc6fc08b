"""Snakemake script: index every cropped face and split it per actor after deduplication."""

import logging

from digitface.faces.face_index import build_index, write_index
from digitface.faces.manifest import read_manifest
from digitface.faces.npy_file import NpyFile
from digitface.faces.split import SplitSettings
from digitface.logs import log_to_file

log_to_file(snakemake.log[0])
params = snakemake.params
manifests = {b: read_manifest(p) for b, p in zip(params.batches, snakemake.input.manifests)}
crops = {b: NpyFile(p) for b, p in zip(params.batches, snakemake.input.crops)}
cfg = dict(params.split)
seed = cfg.pop("seed")
rows = build_index(manifests, crops, SplitSettings(**cfg), seed=seed, actors=params.actors)
write_index(snakemake.output.index, rows)
for actor in params.actors:
    sets = [r.set for r in rows if r.actor == actor]
    logging.info("%s: %s", actor, {s: sets.count(s) for s in sorted(set(sets))})
