"""Snakemake script: learning curves (accuracy and cost per iteration) of one optimizer."""

import json

from digitface.atomic import read_tsv
from digitface.digits.figures import learning_curves
from digitface.logs import log_to_file
from digitface.plotting import save_figure

log_to_file(snakemake.log[0])
history = [
    {"iteration": int(r["iteration"]), "split": r["split"], "accuracy": float(r["accuracy"]),
     "mean_cost": float(r["mean_cost"])}
    for r in read_tsv(snakemake.input.history)
]
with open(snakemake.input.metrics) as fh:
    metrics = json.load(fh)
s = metrics["settings"]
method = f"gradient descent with momentum (γ = {s['gamma']})" if s["gamma"] else "gradient descent"
title = f"Softmax network, {method}, learning rate {s['learning_rate']:g}\n{snakemake.params.data}"
fig = learning_curves(history, metrics["chosen_iteration"], title)
save_figure(fig, snakemake.output.png, snakemake.output.svg)
