"""Snakemake script: the reference's protocol, a fixed number of iterations on all training
images (train + validation) with nothing selected; the last iteration's train/test accuracy."""

from digitface.atomic import write_json
from digitface.digits import softmax
from digitface.digits.store import load_feature_splits, train_and_validation
from digitface.digits.train import TrainSettings, evaluate, refit
from digitface.logs import log_to_file

log_to_file(snakemake.log[0])
splits = load_feature_splits(snakemake.input.data)
x, y = train_and_validation(splits)
init = snakemake.params.init
W0, b0 = softmax.init_params(**init)
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
