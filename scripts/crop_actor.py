"""Snakemake script: crop one batch's verified images (one actor by default) to every size,
actor by actor (duplicates are found within an actor); write the batch's final manifest and
one crop array per size."""

from pathlib import Path

from digitface.faces.crop import STORE_DAMAGED, CropSettings, crop_actor
from digitface.faces.dataset import save_array, stack_crops
from digitface.faces.manifest import by_person, read_manifest, write_manifest
from digitface.logs import log_to_file

log_to_file(snakemake.log[0])
params = snakemake.params
cfg = params.settings
settings = CropSettings(sizes=tuple(cfg["sizes"]), min_bbox_fraction=cfg["min_bbox_fraction"],
                        max_pixels=cfg["max_pixels"], workers=cfg["workers"])
downloaded = by_person(read_manifest(snakemake.input.manifest), params.names)
records = []
for name, store in zip(params.names, params.stores):
    records += crop_actor(downloaded[name], store, params.crops, settings)
damaged = [r for r in records if r.outcome == STORE_DAMAGED]
if damaged:
    # The download manifest says these bodies are stored, which is no longer true. Without it
    # the next run reruns the download job (fetching the removed bodies again), then this one.
    Path(snakemake.input.manifest).unlink()
    raise SystemExit(
        f"{len(damaged)} stored bodies were damaged or missing, e.g. {damaged[0].body} (face_id "
        f"{damaged[0].row.face_id}): removed from the store, with {snakemake.input.manifest}. "
        "Run the workflow again: it fetches them again and crops them.")
write_manifest(snakemake.output.manifest, records)
for size, path in zip(settings.sizes, snakemake.output.arrays):
    save_array(path, stack_crops(records, Path(params.crops) / str(size), size))
