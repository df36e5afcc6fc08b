"""Snakemake script: the hidden units that push one actor's image towards that actor."""

from digitface.faces.face_index import gather_crops, open_crop_arrays, read_index
from digitface.faces.hidden_units import top_units, unit_pictures
from digitface.faces.mlp import load_state
from digitface.faces.model_figures import hidden_units_figure
from digitface.logs import log_to_file
from digitface.plotting import save_figure

log_to_file(snakemake.log[0])
actor = snakemake.wildcards.actor
rows = read_index(snakemake.input.index)
image_id = snakemake.params.image_id  # 0: the actor's first training image
chosen = next((r for r in rows if r.actor == actor
               and (r.image_id == image_id if image_id else r.set == "train")), None)
if chosen is None:
    raise SystemExit(f"face_models.hidden_units: {actor} has no cropped image {image_id}")
image = gather_crops([chosen], open_crop_arrays(rows, snakemake.input.crops))[0]
state = load_state(snakemake.input.model)
units = top_units(state, image, chosen.label, k=snakemake.params.top)
fig = hidden_units_figure(image, units, unit_pictures(state, units), snakemake.params.name,
                          title=f"{snakemake.params.name} (image {chosen.image_id}, {chosen.set} set): "
                                "hidden units by activation × outgoing weight")
save_figure(fig, snakemake.output.png)
