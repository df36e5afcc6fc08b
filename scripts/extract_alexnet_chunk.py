"""Snakemake script: AlexNet activations of one chunk of one actor's faces, in its own file."""

import logging

import numpy as np

from digitface.faces.alexnet import build_extractor, extract_chunk_to_file
from digitface.logs import log_to_file

log_to_file(snakemake.log[0])
cfg = snakemake.params.alexnet
rows = snakemake.params.rows  # this chunk's rows of the actor's crop array (ascending)
# Only this chunk's images are read from the memory-mapped array.
crops = np.load(snakemake.input.crops, mmap_mode="r")[rows]
model, meta = build_extractor(cfg["layer"], cfg["weights"], seed=cfg["seed"],
                              path=cfg["weights_path"] or None)
info = extract_chunk_to_file(crops, snakemake.output.features, model, cfg["preprocess"],
                             cfg["batch_size"])
logging.info("%s chunk %s: %d images, %s, %.1f images/s; %s", snakemake.wildcards.actor,
             snakemake.wildcards.chunk, len(rows), info["shape"],
             len(rows) / max(info["seconds"], 1e-9), meta["description"])
