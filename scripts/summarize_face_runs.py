"""Snakemake script: mean ± sd over seeds of one classifier, and its learning curves."""

import json

from digitface.atomic import read_tsv, write_json
from digitface.faces.model_figures import learning_curve_figure
from digitface.faces.seeds import history_band, summarize_runs
from digitface.logs import log_to_file
from digitface.plotting import save_figure

log_to_file(snakemake.log[0])
runs = []
for path in snakemake.input.metrics:
    with open(path) as fh:
        runs.append(json.load(fh))
histories = [[{"iteration": int(r["iteration"]), "split": r["split"], "accuracy": float(r["accuracy"]),
               "loss": float(r["loss"])} for r in read_tsv(path)] for path in snakemake.input.histories]
summary = summarize_runs(runs)
write_json(snakemake.output.summary, summary)

chosen = [r["chosen_iteration"] for r in runs]
shown = sorted(range(len(runs)), key=lambda i: chosen[i])[len(runs) // 2]  # the median seed's run
note = (f"{len(runs)} seeds {summary['seeds']}; each keeps the iteration with the best validation accuracy "
        f"(▲; mean {summary['chosen_iteration']['mean']:.0f} of {runs[0]['settings']['iterations']})")
fig = learning_curve_figure(histories[shown], chosen[shown], band=history_band(histories),
                            title=snakemake.params.title, note=note, chosen=chosen)
save_figure(fig, snakemake.output.png)
