"""Snakemake script: train the softmax network with GD or momentum; keep the best-validation
iteration."""

from digitface.atomic import write_json, write_tsv
from digitface.digits import softmax
from digitface.digits.store import load_feature_splits, save_arrays, train_and_validation
from digitface.digits.train import TrainSettings, evaluate, refit, train
from digitface.logs import log_to_file

log_to_file(snakemake.log[0])
splits = load_feature_splits(snakemake.input.data)
init = snakemake.params.init
W0, b0 = softmax.init_params(**init)
settings = TrainSettings(**{"gamma": 0.0, **snakemake.params.schedule})
result = train(*splits["train"], splits, W0, b0, settings, threads=snakemake.threads)
W, b, final = result.W, result.b, result.at(result.best_iteration)
if snakemake.params.refit:
    x, y = train_and_validation(splits)
    W, b = refit(x, y, W0, b0, settings, result.best_iteration, threads=snakemake.threads)
    final = {"train": evaluate(x, y, W, b), "test": evaluate(*splits["test"], W, b)}

columns = ["iteration", "split", "accuracy", "cost", "mean_cost"]
write_tsv(snakemake.output.history, columns, [[r[c] for c in columns] for r in result.history])
save_arrays(snakemake.output.weights, W=W, b=b)
write_json(snakemake.output.metrics, {
    "optimizer": snakemake.wildcards.optimizer,
    "settings": vars(settings),
    "init": init["kind"],
    "chosen_iteration": result.best_iteration,
    "chosen_on": "validation accuracy",
    "at_chosen": result.at(result.best_iteration),
    "at_last": result.at(settings.iterations),
    "model": "refit on train + validation" if snakemake.params.refit else "selection run",
    "final": final,
})
