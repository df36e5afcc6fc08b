"""Snakemake script: mean ± sd over seeds of one classifier, and its learning curves."""

import json
from types import SimpleNamespace

from digitface.atomic import read_tsv, write_json
from digitface.faces.mlp import history_band, mean_sd
from digitface.faces.model_figures import learning_curve_figure
from digitface.logs import log_to_file
from digitface.plotting import save_figure

log_to_file(snakemake.log[0])
runs = [json.load(open(p)) for p in snakemake.input.metrics]
histories = [[{"iteration": int(r["iteration"]), "split": r["split"],
                "accuracy": float(r["accuracy"]), "loss": float(r["loss"])} for r in read_tsv(path)]
             for path in snakemake.input.histories]


summary = {"seeds": [r["seed"] for r in runs], "n": runs[0]["n"], "device": runs[0]["device"],
           "chosen_iteration": mean_sd([r["chosen_iteration"] for r in runs])}
for split in runs[0]["metrics"]:
    summary[split] = {m: mean_sd([r["metrics"][split][m] for r in runs]) for m in ("accuracy", "loss")}
write_json(snakemake.output.summary, summary)

band = history_band([SimpleNamespace(history=h) for h in histories])
chosen = [r["chosen_iteration"] for r in runs]
shown = sorted(range(len(runs)), key=lambda i: chosen[i])[len(runs) // 2]  # the median seed's run
note = (f"{len(runs)} seeds {summary['seeds']}; each keeps the iteration with the best validation accuracy "
        f"(▲; mean {summary['chosen_iteration']['mean']:.0f} of {runs[0]['settings']['iterations']})")
fig = learning_curve_figure(histories[shown], chosen[shown], band=band, title=snakemake.params.title, note=note,
                            chosen=chosen)
save_figure(fig, snakemake.output.png)
