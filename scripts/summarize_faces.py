"""Snakemake script: the face classifiers' metrics table, side by side with the reference."""

import json

from digitface.atomic import write_tsv
from digitface.faces.summary import HEADER, summary_rows
from digitface.logs import log_to_file

log_to_file(snakemake.log[0])
runs = {name: json.load(open(snakemake.input[name])) for name in ("mlp", "alexnet")}
data = ("SYNTHETIC faces (bundled sample, invented people)" if snakemake.params.synthetic
        else "FaceScrub crops (real photographs)")
a = snakemake.params.alexnet
weights = {"alexnet": f"{a['weights']} AlexNet weights"
           + (f" (seed {a['seed']}; not ImageNet features)" if a["weights"] == "random" else "")
           + f", layer {a['layer']}, {a['preprocess']} preprocessing, chunks of up to {a['chunk_size']} faces"}
write_tsv(snakemake.output.table, HEADER, summary_rows(runs, data, weights))
