"""The crop job: one batch's verified images cropped to every size, actor by actor (duplicates
are found within an actor), then the batch's final manifest and one crop array per size."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Mapping, Sequence

from digitface.atomic import fresh_staging
from digitface.faces.crop import STORE_DAMAGED, CropSettings, crop_actor
from digitface.faces.dataset import write_crop_array
from digitface.faces.manifest import by_person, read_manifest, write_manifest


#: Under the crops folder: one folder per crop job for the files it is writing.
STAGING = ".partial"


def crop_batch(names: Sequence[str], stores: Sequence[str | os.PathLike], download_manifest: str | os.PathLike,
               crops_dir: str | os.PathLike, settings: Mapping, manifest: str | os.PathLike,
               arrays: Sequence[str | os.PathLike], threads: int | None = None) -> None:
    """``names`` and ``stores``: the batch's actors and their stores; ``arrays``: one output per
    configured size, in the order of ``settings["sizes"]``; ``threads``: the job's (Snakemake
    gives a job fewer than the rule asks for when there are fewer cores), else the setting's."""
    crop = CropSettings(sizes=tuple(settings["sizes"]), min_bbox_fraction=settings["min_bbox_fraction"],
                        max_pixels=settings["max_pixels"], workers=threads or settings["workers"])
    downloaded = by_person(read_manifest(download_manifest), names)
    # The job's own folder for files being written: a killed run's leftovers are removed here.
    staging = fresh_staging(Path(crops_dir) / STAGING / Path(manifest).stem)
    records, pixels = [], {}
    for name, store in zip(names, stores):
        records += crop_actor(downloaded[name], store, crops_dir, crop, pixels, staging)
    shutil.rmtree(staging)
    damaged = [r for r in records if r.outcome == STORE_DAMAGED]
    if damaged:
        # The download manifest says these bodies are stored, which is no longer true. Without it
        # the next run reruns the download job (fetching the removed bodies again), then this one.
        Path(download_manifest).unlink()
        raise SystemExit(
            f"{len(damaged)} stored bodies were damaged or missing, e.g. {damaged[0].body} (face_id "
            f"{damaged[0].row.face_id}): removed from the store, with {download_manifest}. "
            "Run the workflow again: it fetches them again and crops them.")
    write_manifest(manifest, records)
    for size, path in zip(crop.sizes, arrays):
        write_crop_array(path, records, pixels, size)
