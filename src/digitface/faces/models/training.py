"""The training jobs: one seed of the MLP on 64x64 crops or on AlexNet feature chunks; every seed
of the MLP and a linear softmax on the face descriptor.

Each reads the face index, opens its inputs for reading by rows (nothing the size of the data
set is loaded), trains with the epoch kept on validation, and writes the history, the metrics
(with the number of faces per set) and the kept weights.
"""

from __future__ import annotations

import os
from collections import Counter
from types import SimpleNamespace
from typing import Mapping, Protocol, Sequence

from digitface.atomic import write_json, write_tsv
from digitface.faces.data.face_index import crop_sets, open_crop_arrays, read_index
from digitface.faces.data.split import SETS
from digitface.faces.models.chunks import feature_sets, read_parts
from digitface.faces.models.descriptor_extraction import refused_crops
from digitface.faces.models.mlp import train_mlp
from digitface.faces.models.mlp_data import VALIDATION
from digitface.faces.models.mlp_network import save_state
from digitface.faces.models.mlp_result import MLPResult, MLPSettings

HISTORY_COLUMNS = ["epoch", "split", "accuracy", "loss"]


class RunFiles(Protocol):
    """Where one seed's results go: the training rules' outputs, named so."""

    history: str | os.PathLike
    metrics: str | os.PathLike
    model: str | os.PathLike


def train_on_crops(
    index: str | os.PathLike,
    batches: Sequence[str],
    crops: Sequence[str | os.PathLike],
    settings: Mapping,
    seed: int | str,
    threads: int,
    out: RunFiles,
) -> MLPResult:
    """The train_face_mlp job: the MLP on the 64x64 crops of every used face (``crops``: each
    batch's 64 array; ``seed``: a number, or the seed wildcard's text)."""
    sets = crop_sets(read_index(index), open_crop_arrays(batches, crops))
    return _train(sets, settings, seed, threads, out)


def train_on_features(
    index: str | os.PathLike,
    parts: Sequence[str | os.PathLike],
    cache: str | os.PathLike,
    settings: Mapping,
    seed: int | str,
    threads: int,
    out: RunFiles,
) -> MLPResult:
    """The train_alexnet_mlp job: the MLP on the AlexNet features of every used face
    (``parts``: the extraction jobs' manifests, naming the chunk files in ``cache``)."""
    chunks, files = read_parts(parts, cache)
    sets = feature_sets(read_index(index), chunks, files)
    return _train(sets, settings, seed, threads, out)


def train_on_descriptors(
    index: str | os.PathLike,
    parts: Sequence[str | os.PathLike],
    problems: Sequence[str | os.PathLike],
    cache: str | os.PathLike,
    settings: Mapping[str, Mapping],
    seeds: Sequence[int],
    threads: int,
    out: Mapping[str, Sequence[str | os.PathLike]],
) -> None:
    """The train_descriptor_classifiers job: every seed of each classifier of ``settings``
    (``mlp``: the MLP; ``linear``: a softmax without hidden layer) on the 128-d descriptors, in
    one job: each run takes a second or two, less than a job's start-up. Faces whose crop got
    no descriptor (``problems``: the extraction jobs' tables) are left out of every set, the
    same for every seed, and counted. ``out``: ``histories``, ``metrics`` and ``models``,
    classifier-major then seed order."""
    rows = read_index(index)
    refused = refused_crops(problems)
    kept = [r for r in rows if (r.array, r.array_row) not in refused]
    excluded = Counter(r.set for r in rows if (r.array, r.array_row) in refused and r.set in SETS)
    chunks, files = read_parts(parts, cache)
    sets = feature_sets(kept, chunks, files)
    n_classes = 1 + max(r.label for r in rows)
    runs = [(name, seed) for name in settings for seed in seeds]
    for i, (name, seed) in enumerate(runs):
        hidden = {"hidden": 0} if name == "linear" else {}
        files_of_run = SimpleNamespace(**{key: out[plural][i] for key, plural in _OUTPUTS.items()})
        extra = {"excluded": {s: excluded.get(s, 0) for s in SETS}}
        _train(sets, {**settings[name], **hidden, "n_classes": n_classes}, seed, threads, files_of_run, extra)


_OUTPUTS = {"history": "histories", "metrics": "metrics", "model": "models"}


def _train(
    sets: Mapping[str, tuple],
    settings: Mapping,
    seed: int | str,
    threads: int,
    out: RunFiles,
    extra: Mapping | None = None,
) -> MLPResult:
    result = train_mlp(
        *sets["train"],
        {VALIDATION: sets[VALIDATION], "test": sets["test"]},
        MLPSettings(**settings, threads=threads),
        seed=int(seed),
    )
    write_tsv(out.history, HISTORY_COLUMNS, [[r[c] for c in HISTORY_COLUMNS] for r in result.history])
    write_json(out.metrics, {**result.summary(), "n": {k: len(v[1]) for k, v in sets.items()}, **(extra or {})})
    save_state(out.model, result.state_dict)
    return result
