"""The feature extraction jobs (AlexNet; :mod:`~digitface.faces.models.descriptor_extraction` for
the face descriptor): a few consecutive chunks (:mod:`digitface.faces.models.chunks`), each
looked up in the feature set's cache by the digest of its crops and computed only if missing.

torch and the network are loaded only when a chunk has to be computed, so a job whose chunks
are all cached (its crops were rewritten unchanged, or its grouping changed) costs a few
hashes, not the seconds that importing torch takes.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Protocol, Sequence

from digitface.faces.data.npy_file import NpyFile
from digitface.faces.models.chunks import Chunk, cached_file, crops_digest, from_params, seal, write_part
from digitface.memory import reused_freed_memory

log = logging.getLogger(__name__)


class _LazyNetwork:
    """The truncated AlexNet, built (and torch imported) on first use."""

    def __init__(self, settings: Mapping, weights: str, weights_file: str | None, threads: int | None) -> None:
        self.settings, self.weights, self.weights_file, self.threads = settings, weights, weights_file, threads
        self._model, self.meta = None, None

    def extract(self, pixels, path: Path) -> dict:
        """Features of ``pixels`` (uint8 crops) written atomically to ``path``."""
        from digitface.faces.models.alexnet import extract_chunk_to_file

        if self._model is None:
            self._build()
        return extract_chunk_to_file(
            pixels,
            path,
            self._model,
            self.settings["preprocess"],
            self.settings["batch_size"],
            dtype=self.settings["dtype"],
        )

    def _build(self) -> None:
        import torch

        from digitface.faces.models.alexnet_network import build_extractor

        if self.threads:
            torch.set_num_threads(self.threads)
        self._model, self.meta = build_extractor(
            self.settings["layer"], self.weights, seed=self.settings["seed"], path=self.weights_file
        )
        log.info("network: %s, %s features per face", self.meta["description"], self.meta["n_features"])


@dataclass
class _Tally:
    """What a job's chunks came to."""

    computed: int = 0
    from_cache: int = 0
    images: int = 0  # computed
    seconds: float = 0.0  # in the network

    def add(self, chunk: Chunk, info: dict | None) -> None:
        """One chunk, found in the cache (``info`` None) or computed."""
        if info is None:
            self.from_cache += 1
        else:
            self.computed += 1
            self.images += len(chunk)
            self.seconds += info["seconds"]


def extract_chunks(
    chunks: Sequence[Chunk],
    crops: Mapping[str, str | os.PathLike],
    cache_dir: str | os.PathLike,
    part_path: str | os.PathLike,
    settings: Mapping,
    weights: str,
    weights_file: str | None = None,
    threads: int | None = None,
) -> dict:
    """Features of every chunk into the cache (computing the missing ones), then the job's
    manifest. ``crops``: each batch's 227 crop array by name; ``settings``: the extraction
    settings (layer, seed, preprocess, batch_size, dtype); ``threads``: torch's CPU threads.
    Returns counts and the seconds spent in the network."""
    return fill_cache(chunks, crops, cache_dir, part_path, _LazyNetwork(settings, weights, weights_file, threads))


class Network(Protocol):
    """What :func:`fill_cache` computes a missing chunk with (AlexNet, or the face descriptor)."""

    meta: dict | None  # {"description": ...} once built

    def extract(self, pixels, path: Path) -> dict:
        """Features of ``pixels`` (uint8 crops) written atomically to ``path``; {"seconds": ...}."""


def fill_cache(
    chunks: Sequence[Chunk],
    crops: Mapping[str, str | os.PathLike],
    cache_dir: str | os.PathLike,
    part_path: str | os.PathLike,
    network: Network,
) -> dict:
    """Every chunk's features in the feature set's cache (``network`` computes the missing
    ones), then the job's manifest; counts and the seconds spent in the network."""
    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    arrays = {name: NpyFile(path) for name, path in crops.items()}
    tally, entries = _Tally(), []
    with reused_freed_memory():
        for chunk in chunks:
            digest, info = _cached_or_computed(chunk, arrays[chunk.array][chunk.start : chunk.stop], cache_dir, network)
            tally.add(chunk, info)
            entries.append((chunk, digest))
    write_part(part_path, entries)
    _log_job(len(chunks), tally, network.meta)
    return {
        "chunks": len(chunks),
        "computed": tally.computed,
        "from_cache": tally.from_cache,
        "images_computed": tally.images,
        "forward_seconds": tally.seconds,
    }


def _cached_or_computed(chunk: Chunk, pixels, cache_dir: Path, network: Network) -> tuple[str, dict | None]:
    """The digest of the chunk's crops, which names its features in the cache, and the
    extraction's info if they had to be computed (None: found in the cache)."""
    digest = crops_digest(pixels)
    if cached_file(cache_dir, digest, len(chunk)) is not None:
        return digest, None
    path = cache_dir / f"{digest}.npy"
    info = network.extract(pixels, path)
    seal(path)
    log.info(
        "%s chunk %03d: crops %d-%d, %.1f images/s",
        chunk.array,
        chunk.part,
        chunk.start,
        chunk.stop - 1,
        len(chunk) / max(info["seconds"], 1e-9),
    )
    return digest, info


def _log_job(n_chunks: int, tally: _Tally, meta: dict | None) -> None:
    log.info(
        "%d chunks: %d computed (%d images, %.1f images/s in the network), %d found in the cache%s",
        n_chunks,
        tally.computed,
        tally.images,
        tally.images / tally.seconds if tally.seconds else 0.0,
        tally.from_cache,
        f"; {meta['description']}" if meta else "",
    )


def extraction_job(
    chunks: Sequence[Sequence],
    arrays: Sequence[str],
    crops: Sequence[str | os.PathLike],
    cache_dir: str | os.PathLike,
    part_path: str | os.PathLike,
    settings: Mapping,
    weights: str,
    weights_file: str | None = None,
    threads: int | None = None,
) -> dict:
    """The extract_alexnet_chunks job: its chunks as the rule's params give them
    (:func:`~digitface.faces.models.chunks.as_params`), ``crops``: the 227 crop arrays of the batches
    named ``arrays``, in that order; the rest as :func:`extract_chunks`."""
    return extract_chunks(
        from_params(chunks),
        dict(zip(arrays, crops, strict=True)),
        cache_dir,
        part_path,
        settings,
        weights,
        weights_file,
        threads=threads,
    )
