"""Snakemake script: the log-log figure of the three methods' timings with fitted slopes."""

from digitface.atomic import read_tsv
from digitface.backprop.figures import cost_figure
from digitface.logs import log_to_file
from digitface.plotting import save_figure

log_to_file(snakemake.log[0])
rows = [{**r, "n_layers": int(r["n_layers"]), "width": int(r["width"]), "seconds": float(r["seconds"])}
        for r in read_tsv(snakemake.input.timings)]
fits = [{**f, "measured": float(f["measured"]), "predicted": float(f["predicted"])}
        for f in read_tsv(snakemake.input.fits)]
save_figure(cost_figure(rows, fits), snakemake.output.png)
