"""Snakemake script: AlexNet activations of one chunk of one batch's crops, in its own file."""

import logging

import numpy as np

from digitface.faces.alexnet import build_extractor, extract_chunk_to_file
from digitface.faces.face_index import chunk_rows
from digitface.logs import log_to_file

log_to_file(snakemake.log[0])
cfg = snakemake.params.alexnet
array = np.load(snakemake.input.crops, mmap_mode="r")
rows = chunk_rows(len(array), int(snakemake.wildcards.chunk), cfg["chunk_size"])
crops = array[rows.start : rows.stop]  # only this chunk's images are read from the memory map
weights_file = snakemake.input.get("weights")  # declared only for ImageNet weights
model, meta = build_extractor(cfg["layer"], snakemake.params.weights, seed=cfg["seed"], path=weights_file)
info = extract_chunk_to_file(crops, snakemake.output.features, model, cfg["preprocess"],
                             cfg["batch_size"], dtype=cfg["dtype"])
logging.info("%s chunk %s: crops %d-%d, %s, %.1f images/s; %s", snakemake.wildcards.batch,
             snakemake.wildcards.chunk, rows.start, rows.stop - 1, info["shape"],
             len(rows) / max(info["seconds"], 1e-9), meta["description"])
