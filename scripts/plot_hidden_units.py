"""Snakemake script: the hidden units that push one actor's image towards that actor."""

import numpy as np

from digitface.faces.face_index import gather_crops, read_index
from digitface.faces.hidden_units import top_units, unit_pictures
from digitface.faces.mlp import load_state
from digitface.faces.model_figures import hidden_units_figure
from digitface.logs import log_to_file
from digitface.plotting import save_figure

log_to_file(snakemake.log[0])
actor = snakemake.wildcards.actor
rows = read_index(snakemake.input.index)
actors = sorted({r.actor for r in rows})
arrays = {a: np.load(p, mmap_mode="r") for a, p in zip(actors, snakemake.input.crops)}
image_id = snakemake.params.image_id
mine = [r for r in rows if r.actor == actor and r.set == "train"]
chosen = mine[0] if image_id == 0 else next((r for r in rows if r.actor == actor and r.image_id == image_id), None)
if chosen is None:
    raise SystemExit(f"face_models.hidden_units: {actor} has no cropped image {image_id}")
image = gather_crops([chosen], arrays)[0]
state = load_state(snakemake.input.model)
units = top_units(state, image, chosen.label, k=snakemake.params.top)
fig = hidden_units_figure(image, units, unit_pictures(state, units), snakemake.params.name,
                          title=f"{snakemake.params.name} (image {chosen.image_id}, {chosen.set} set): "
                                "hidden units by activation × outgoing weight")
save_figure(fig, snakemake.output.png)
