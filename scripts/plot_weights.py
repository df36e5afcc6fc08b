"""Snakemake script: each digit's learned weights as a 28x28 image, on one colour scale."""

from digitface.digits.figures import weight_images
from digitface.digits.store import load_arrays
from digitface.logs import log_to_file
from digitface.plotting import save_figure

log_to_file(snakemake.log[0])
W = load_arrays(snakemake.input.weights)["W"]
name = {"gd": "gradient descent", "momentum": "gradient descent with momentum"}[snakemake.wildcards.optimizer]
save_figure(weight_images(W, f"Learned weights of each digit, {name}\n{snakemake.params.data}"),
            snakemake.output.png)
