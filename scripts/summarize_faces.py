"""Snakemake script: the face classifiers' metrics table, side by side with the reference."""

import json

from digitface.atomic import write_tsv
from digitface.faces.summary import HEADER, summary_rows
from digitface.logs import log_to_file

log_to_file(snakemake.log[0])
runs = {}
for name in ("mlp", "alexnet"):
    with open(snakemake.input[name]) as fh:
        runs[name] = json.load(fh)
a, params = snakemake.params.alexnet, snakemake.params
weights = {"alexnet": f"{params.weights}, layer {a['layer']}, {a['preprocess']} preprocessing, "
                      f"chunks of up to {a['chunk_size']} faces"}
write_tsv(snakemake.output.table, HEADER, summary_rows(runs, params.data, weights))
