"""Snakemake script: the log-log figure of the three methods' timings with fitted slopes."""

import json

from digitface.backprop.figures import cost_figure
from digitface.logs import log_to_file
from digitface.plotting import save_figure

log_to_file(snakemake.log[0])
with open(snakemake.input.summary) as fh:
    summary = json.load(fh)
save_figure(cost_figure(summary["points"], summary["fits"], summary["repeats"]), snakemake.output.png)
