"""Snakemake script: 10 examples of each digit in one figure."""

from digitface.digits.figures import digit_gallery
from digitface.digits.store import load_split
from digitface.logs import log_to_file
from digitface.plotting import save_figure

log_to_file(snakemake.log[0])
data = load_split(snakemake.input.data)
cfg = snakemake.params.gallery
fig = digit_gallery(data["x_train"], data["y_train"], cfg["per_digit"], cfg["seed"],
                    title=f"{cfg['per_digit']} training examples of each digit ({snakemake.params.data})")
save_figure(fig, snakemake.output.png)
