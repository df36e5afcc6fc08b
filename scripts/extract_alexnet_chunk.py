"""Snakemake script: AlexNet activations of one chunk of faces, written to its own file."""

import logging

from digitface.faces.alexnet import build_extractor, extract_chunk_to_file
from digitface.faces.face_index import gather_crops, open_crop_arrays, read_index, used
from digitface.logs import log_to_file

log_to_file(snakemake.log[0])
cfg = snakemake.params.alexnet
rows = read_index(snakemake.input.index)
chunk = int(snakemake.wildcards.chunk)
mine = used(rows)[chunk * cfg["chunk_size"] : (chunk + 1) * cfg["chunk_size"]]
# Only this chunk's images are read from the memory-mapped arrays.
crops = gather_crops(mine, open_crop_arrays(rows, snakemake.input.crops))
model, meta = build_extractor(cfg["layer"], cfg["weights"], seed=cfg["seed"],
                              path=cfg["weights_path"] or None)
info = extract_chunk_to_file(crops, snakemake.output.features, model, cfg["preprocess"],
                             cfg["batch_size"])
logging.info("chunk %d: %d images, %s, %.1f images/s; %s", chunk, len(mine), info["shape"],
             len(mine) / max(info["seconds"], 1e-9), meta["description"])
