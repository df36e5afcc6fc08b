"""Snakemake script: the log-log figure of the three methods' timings with fitted slopes."""

import csv

from digitface.backprop.figures import cost_figure
from digitface.logs import log_to_file
from digitface.plotting import save_figure

log_to_file(snakemake.log[0])


def read(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


rows = [{**r, "n_layers": int(r["n_layers"]), "width": int(r["width"]), "seconds": float(r["seconds"])}
        for r in read(snakemake.input.timings)]
fits = [{**f, "measured": float(f["measured"]), "predicted": float(f["predicted"])}
        for f in read(snakemake.input.fits)]
save_figure(cost_figure(rows, fits), snakemake.output.png)
