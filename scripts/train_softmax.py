"""Snakemake script: train the softmax network with GD or momentum; keep the best-validation
iteration."""

from digitface.atomic import write_json, write_tsv
from digitface.digits import softmax
from digitface.digits.split import to_features
from digitface.digits.store import SPLIT_NAMES, load_split, save_arrays
from digitface.digits.train import TrainSettings, train
from digitface.logs import log_to_file

log_to_file(snakemake.log[0])
data = load_split(snakemake.input.data)
splits = {name: (to_features(data[x]), data[y].astype(int)) for name, (x, y) in SPLIT_NAMES.items()}
init = snakemake.params.init
W0, b0 = softmax.init_params(init["kind"], seed=init["seed"], scale=init["scale"])
settings = TrainSettings(**{"gamma": 0.0, **snakemake.params.schedule})
result = train(*splits["train"], splits, W0, b0, settings)

columns = ["iteration", "split", "accuracy", "cost", "mean_cost"]
write_tsv(snakemake.output.history, columns, [[r[c] for c in columns] for r in result.history])
save_arrays(snakemake.output.weights, W=result.W, b=result.b)
write_json(snakemake.output.metrics, {
    "optimizer": snakemake.wildcards.optimizer,
    "settings": vars(settings),
    "init": init["kind"],
    "chosen_iteration": result.best_iteration,
    "chosen_on": "validation accuracy",
    "at_chosen": result.at(result.best_iteration),
    "at_last": result.at(settings.iterations),
})
