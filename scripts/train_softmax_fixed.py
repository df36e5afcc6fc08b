"""Snakemake script: the reference's protocol, a fixed number of iterations on all training
images (train + validation) with nothing selected; the last iteration's train/test accuracy."""

import numpy as np

from digitface.atomic import write_json
from digitface.digits import softmax
from digitface.digits.split import to_features
from digitface.digits.store import SPLIT_NAMES, load_split
from digitface.digits.train import TrainSettings, evaluate, refit
from digitface.logs import log_to_file

log_to_file(snakemake.log[0])
data = load_split(snakemake.input.data)
splits = {name: (to_features(data[x]), data[y].astype(int)) for name, (x, y) in SPLIT_NAMES.items()}
x = np.concatenate([splits["train"][0], splits["validation"][0]])
y = np.concatenate([splits["train"][1], splits["validation"][1]])
init = snakemake.params.init
W0, b0 = softmax.init_params(init["kind"], seed=init["seed"], scale=init["scale"])
iterations = snakemake.params.iterations
settings = TrainSettings(**{"gamma": 0.0, **snakemake.params.schedule, "iterations": iterations})
W, b = refit(x, y, W0, b0, settings, iterations, threads=snakemake.threads)
write_json(snakemake.output.metrics, {
    "optimizer": snakemake.wildcards.optimizer,
    "settings": vars(settings),
    "init": init["kind"],
    "model": "reference protocol: fixed iterations on train + validation, nothing selected",
    "final": {"train": evaluate(x, y, W, b), "test": evaluate(*splits["test"], W, b)},
})
