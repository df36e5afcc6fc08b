"""The crop job: one batch's verified images cropped to every size, actor by actor (duplicates
are found within an actor), then the batch's final manifest and one crop array per size.

A stored body that is damaged or missing stops the job, naming it and the repair
(:func:`damaged_store_message`): the store belongs to the download job, which checks it when it
runs, so the crop job changes neither the store nor its input, the download manifest."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Mapping, Sequence

from digitface.atomic import fresh_staging
from digitface.faces.data.crop import STORE_DAMAGED, crop_actor
from digitface.faces.data.crop_settings import CropSettings
from digitface.faces.data.dataset import write_crop_array
from digitface.faces.data.manifest import by_person, read_manifest, write_manifest

#: Under the crops folder: one folder per crop job for the files it is writing.
STAGING = ".partial"


def crop_batch(
    names: Sequence[str],
    stores: Sequence[str | os.PathLike],
    download_manifest: str | os.PathLike,
    crops_dir: str | os.PathLike,
    settings: Mapping,
    manifest: str | os.PathLike,
    arrays: Sequence[str | os.PathLike],
    threads: int | None = None,
) -> None:
    """``names`` and ``stores``: the batch's actors and their stores; ``arrays``: one output per
    configured size, in the order of ``settings["sizes"]``; ``threads``: the job's (Snakemake
    gives a job fewer than the rule asks for when there are fewer cores), else the setting's."""
    crop = CropSettings(
        sizes=tuple(settings["sizes"]),
        min_bbox_fraction=settings["min_bbox_fraction"],
        max_pixels=settings["max_pixels"],
        workers=threads or settings["workers"],
    )
    downloaded = by_person(read_manifest(download_manifest), names)
    # The job's own folder for files being written: a killed run's leftovers are removed here.
    staging = fresh_staging(Path(crops_dir) / STAGING / Path(manifest).stem)
    records, pixels, damaged = [], {}, []
    for name, store in zip(names, stores):
        found = crop_actor(downloaded[name], store, crops_dir, crop, pixels, staging)
        damaged += [Path(store) / r.body for r in found if r.outcome == STORE_DAMAGED]
        records += found
    shutil.rmtree(staging)
    if damaged:
        raise SystemExit(damaged_store_message(damaged, download_manifest))
    write_manifest(manifest, records)
    for size, path in zip(crop.sizes, arrays):
        write_crop_array(path, records, pixels, size)


def damaged_store_message(
    bodies: Sequence[str | os.PathLike], download_manifest: str | os.PathLike, shown: int = 3
) -> str:
    """Why a crop job stops on a damaged store, and the command that repairs it. The store is
    the download job's: rerun for this batch, it re-hashes every body of the batch and fetches
    the damaged or missing ones again. The crop job leaves the store and its input alone: a
    job that deleted its upstream's output would leave Snakemake's record of what is up to
    date wrong, and say nothing of the fault."""
    named = ", ".join(map(str, bodies[:shown])) + (f" and {len(bodies) - shown} more" if len(bodies) > shown else "")
    return (
        f"{len(bodies)} stored bodies were damaged or missing (their SHA-256 is not the list's): {named}. "
        f"Nothing was cropped from them. The download job repairs its store: run the workflow again "
        f"with --forcerun {download_manifest} (it checks every stored body of the batch and fetches "
        "only the damaged or missing ones), then this batch is cropped."
    )
