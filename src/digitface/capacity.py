"""Whether a faces run fits on the disk, known before the first job.

A face that survives download, checks and cropping costs the same bytes whatever it shows: a
row in each crop array (size x size x 3), each crop as a picture, and its AlexNet features
(the layer's values at the configured dtype). How many rows will survive is known only after
downloading, so the check takes the bound: every listed row of the configured actors (in the
local lists) a face, or the share of them that ``faces.disk_face_share`` says will be. A run
whose need exceeds the free space stops before any job, naming the need, what it is made of and
the settings that lower it, instead of failing hours in with a full disk. The downloaded bodies
are not counted (their size is the web's).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path

#: Values per face at each AlexNet layer for a 227x227 crop (torchvision's AlexNet; checked
#: against the network in the tests, so planning needs no torch).
LAYER_VALUES = {
    "conv1": 64 * 56 * 56,
    "conv1_relu": 64 * 56 * 56,
    "conv2": 192 * 27 * 27,
    "conv2_relu": 192 * 27 * 27,
    "conv3": 384 * 13 * 13,
    "conv3_relu": 384 * 13 * 13,
    "conv4": 256 * 13 * 13,
    "conv4_relu": 256 * 13 * 13,
    "conv5": 256 * 13 * 13,
    "conv5_relu": 256 * 13 * 13,
}
_DTYPE_BYTES = {"float32": 4, "float16": 2}


def listed_rows(list_paths: list[str | Path], actors: list[str]) -> int:
    """Lines of the local lists that name one of ``actors`` (a quick count: a line's first
    field), the lists read as the workflow reads them (:func:`~digitface.faces.data.lists.list_lines`)."""
    from digitface.faces.data.lists import list_lines

    names = set(actors)
    return sum(
        1
        for path in list_paths
        for _, text, _ in list_lines(Path(path).read_bytes(), str(path))
        if isinstance(text, str) and text.split("\t", 1)[0] in names
    )


def bytes_per_face(config: Mapping) -> dict[str, int]:
    """What one face costs on disk, by what: crop arrays, crop pictures (a PNG is at most about
    its pixels' size), features."""
    sizes = config["faces"]["crop"]["sizes"]
    alexnet = config["face_models"]["alexnet"]
    pixels = sum(s * s * 3 for s in sizes)
    return {
        "crop arrays": pixels,
        "crop pictures": pixels,
        f"AlexNet {alexnet['layer']} {alexnet['dtype']} features": LAYER_VALUES[alexnet["layer"]]
        * _DTYPE_BYTES[alexnet["dtype"]],
    }


def free_bytes(folder: str | Path) -> int:
    """Free bytes on the file system that holds ``folder`` (or its nearest existing parent)."""
    path = Path(folder).absolute()
    while not path.exists():
        path = path.parent
    return shutil.disk_usage(path).free


def bytes_made(results: str | Path) -> int:
    """What a run under ``results`` already holds of the bound: its crop arrays (counted twice:
    the crop pictures hold the same pixels, and stat-ing tens of thousands of pictures on every
    start would cost more than the check is worth) and its feature chunks."""
    faces = Path(results) / "faces"
    made = 2 * sum(_file_sizes(faces / "arrays", "*.npy"))
    return made + sum(_file_sizes(faces / "alexnet", "*/chunks/*.npy"))


def _file_sizes(folder: Path, pattern: str):
    for path in folder.glob(pattern) if folder.is_dir() else ():
        try:
            yield path.stat().st_size
        except OSError:  # removed meanwhile
            continue


def disk_problem(config: Mapping, results: str | Path, free: int | None = None) -> str | None:
    """Why the faces part may not fit on the disk under ``results`` (None if it fits). Lists
    given by URL are fetched by a job: their rows are not known here and not counted. What the
    run already made counts towards the need (a rerun of a half-done run needs only the rest)."""
    faces = config["faces"]
    paths = [src["path"] for src in faces["lists"] if "path" in src]
    share = faces.get("disk_face_share", 1)
    if "faces" not in config.get("experiments", ["faces"]) or not paths or share == 0:
        return None
    rows = listed_rows(paths, list(faces["actors"]))
    parts = bytes_per_face(config)
    counted = round(rows * share)
    need = counted * sum(parts.values())
    free = free_bytes(results) if free is None else free
    if need <= free + bytes_made(results):
        return None
    made_of = ", ".join(f"{what} {size / 1e3:,.0f} kB" for what, size in parts.items())
    counting = (
        f"can make up to {counted:,} faces"
        if share == 1
        else f"counted at faces.disk_face_share {share:g}, make {counted:,} faces"
    )
    return (
        f"faces: the {rows:,} listed rows of the {len(faces['actors'])} configured actors {counting} of "
        f"{sum(parts.values()) / 1e3:,.0f} kB each on disk ({made_of}): {need / 1e9:,.1f} GB, "
        f"but {os.fspath(results)} has {free / 1e9:,.1f} GB free. Free space, or lower the need: store the "
        "features as float16 (face_models.alexnet.dtype), keep fewer crop sizes (faces.crop.sizes), or "
        "configure fewer faces.actors; if you know many of the URLs are dead, set faces.disk_face_share "
        "to the share of rows you expect to become faces"
    )


def memory_problem(needs: Mapping[str, int], available_mb: int, where: str) -> str | None:
    """Why a job of this run may not fit in memory (None if every one fits).

    ``needs``: each rule's declared memory in MB (its ``resources: mem_mb``, sized from the
    peak resident memory its jobs' logs end with, measured up to all 530 identities of
    FaceScrub by ``python -m benchmarks.bench_scale``). ``available_mb``: what the run may use,
    ``where`` says where that number comes from. Known before the first job, so a run never
    dies halfway through for want of memory.
    """
    over = {rule: mb for rule, mb in needs.items() if mb > available_mb}
    if not over:
        return None
    listed = ", ".join(f"{rule} {mb:,} MB" for rule, mb in sorted(over.items(), key=lambda kv: -kv[1]))
    first = max(over, key=over.get)
    return (
        f"memory: {len(over)} rule(s) of this run declare more memory than {where} ({available_mb:,} MB): "
        f"{listed} (each rule's resources: mem_mb in rules/*.smk, sized from the peak memory its jobs' "
        "logs end with). Run it where the memory is (profiles/slurm), or, if you measured less on your data, "
        f"lower the setting: --set-resources {first}:mem_mb=<MB>"
    )


def physical_memory_mb() -> int:
    """This machine's memory in MB."""
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
