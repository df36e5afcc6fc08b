"""Snakemake script: accuracy of the course's snapshot50.pkl as a tanh network (300 units)."""

import logging

import numpy as np

from digitface.atomic import write_json
from digitface.digits.snapshot import load_snapshot, tanh_network_logits
from digitface.digits.split import to_features
from digitface.digits.store import SPLIT_NAMES, load_split
from digitface.logs import log_to_file

log_to_file(snakemake.log[0])
params = load_snapshot(snakemake.input.snapshot)
data = load_split(snakemake.input.data)
accuracy = {}
for name, (x, y) in SPLIT_NAMES.items():
    pred = np.argmax(tanh_network_logits(to_features(data[x]), params), axis=1)
    accuracy[name] = float(np.mean(pred == data[y]))
logging.info("snapshot accuracy (inputs scaled to [0, 1]): %s", accuracy)
write_json(snakemake.output.metrics, {
    "network": "tanh, 300 hidden units (snapshot50.pkl, handout iteration 50)",
    "input_scaling": "pixels / 255",
    "accuracy": accuracy,
})
