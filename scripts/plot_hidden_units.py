"""Snakemake script: the hidden units that push one actor's configured image towards that actor,
what each learned, and the training face that drives it most."""

import numpy as np

from digitface.atomic import write_json
from digitface.faces import hidden_units as hu
from digitface.faces.face_index import choose_face, crop_sets, gather_crops, open_crop_arrays, read_index
from digitface.faces.mlp import initial_state, load_state
from digitface.faces.model_figures import hidden_units_figure
from digitface.logs import log_to_file
from digitface.plotting import save_figure

log_to_file(snakemake.log[0])
params = snakemake.params
rows = read_index(snakemake.input.index)
chosen = choose_face(rows, snakemake.wildcards.actor, params.image_id)
arrays = open_crop_arrays(params.batches, snakemake.input.crops)
image = gather_crops([chosen], arrays)[0]
state = load_state(snakemake.input.model)
units = hu.top_units(state, image, chosen.label, k=params.top)
hidden, n_inputs = state["hidden.weight"].shape
initial = initial_state(params.seed, n_inputs, hidden, state["out.weight"].shape[0])
changes = hu.learned_change(state, initial, units)
train = [r for r in rows if r.set == "train"]
drivers = hu.driving_images(state, crop_sets(rows, arrays)["train"][0], units)  # read in batches
sample = hu.span_sample(len(train))
faces = gather_crops([train[i] for i in sample], arrays)
learned = hu.span_fraction(changes, faces)
untrained = hu.span_fraction(initial["hidden.weight"][[u.unit for u in units]].double().numpy(), faces)
spanned = (f"the {len(train)} training faces" if len(sample) == len(train)
           else f"{len(sample)} of the {len(train)} training faces (evenly spread)")
scale = float(np.abs(changes).max()) if len(units) else 1.0
name = params.name
explanation = (
    f"Units ranked by how much each adds to {name}'s score for this image: its activation on the image "
    f"times the weight from the unit to {name}'s output (units that push away from {name} are not shown). "
    "Top: what the unit learned, its weights minus their random initial values (grey: no change; one "
    "colour scale for all). Bottom: the training face that activates it most. The learned changes lie "
    f"{100 * np.median(learned):.0f}% (median) in the span of {spanned}; the "
    f"initial weights {100 * np.median(untrained):.1f}%.")
fig = hidden_units_figure(image, units, [hu.weight_picture(c, scale=scale) for c in changes],
                          list(gather_crops([train[i] for i in drivers], arrays)), name, explanation=explanation,
                          title=f"{name}, image_id {chosen.image_id} ({chosen.set} set): the hidden units that "
                                f"push it towards {name}\n{params.data}")
save_figure(fig, snakemake.output.png)
write_json(snakemake.output.stats, {
    "actor": name, "image_id": chosen.image_id, "face_id": chosen.face_id, "set": chosen.set,
    "training_faces": len(train), "span_faces": len(sample), "pixels": int(n_inputs),
    "units": [{"unit": u.unit, "contribution": u.contribution, "activation": u.activation, "weight": u.weight,
               "learned_span_fraction": float(f), "initial_span_fraction": float(g),
               "driving_face_id": train[i].face_id}
              for u, f, g, i in zip(units, learned, untrained, drivers)],
})
