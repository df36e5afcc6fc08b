"""Snakemake script: crop one actor's verified images to every size; write the final
manifest and one crop array per size."""

from pathlib import Path

from digitface.faces.crop import CropSettings, crop_actor
from digitface.faces.dataset import save_array, stack_crops
from digitface.faces.manifest import read_manifest, write_manifest
from digitface.logs import log_to_file

log_to_file(snakemake.log[0])
cfg = snakemake.params.settings
settings = CropSettings(sizes=tuple(cfg["sizes"]), min_bbox_fraction=cfg["min_bbox_fraction"],
                        max_pixels=cfg["max_pixels"], workers=cfg["workers"])
records = crop_actor(read_manifest(snakemake.input.manifest), snakemake.params.store,
                     snakemake.params.crops, settings)
write_manifest(snakemake.output.manifest, records)
for size, path in zip(settings.sizes, snakemake.output.arrays):
    save_array(path, stack_crops(records, Path(snakemake.params.crops) / str(size), size))
