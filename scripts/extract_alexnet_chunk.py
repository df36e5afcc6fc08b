"""Snakemake script: AlexNet activations of one chunk of faces, written to its own file."""

import logging

import numpy as np

from digitface.faces.alexnet import build_extractor, extract_chunk_to_file
from digitface.faces.face_index import gather_crops, read_index, used
from digitface.logs import log_to_file

log_to_file(snakemake.log[0])
cfg = snakemake.params.alexnet
rows = used(read_index(snakemake.input.index))
chunk = int(snakemake.wildcards.chunk)
mine = rows[chunk * cfg["chunk_size"] : (chunk + 1) * cfg["chunk_size"]]
actors = sorted({r.actor for r in read_index(snakemake.input.index)})
arrays = {a: np.load(p, mmap_mode="r") for a, p in zip(actors, snakemake.input.crops)}
crops = gather_crops(mine, arrays)  # only this chunk's images are read
model, meta = build_extractor(cfg["layer"], cfg["weights"], seed=cfg["seed"],
                              path=cfg["weights_path"] or None)
info = extract_chunk_to_file(crops, snakemake.output.features, model, cfg["preprocess"],
                             cfg["batch_size"])
logging.info("chunk %d: %d images, %s, %.1f images/s; %s", chunk, len(mine), info["shape"],
             len(mine) / max(info["seconds"], 1e-9), meta["description"])
