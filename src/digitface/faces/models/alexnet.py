"""AlexNet activations of 227x227 face crops, streamed in batches and written chunk by chunk.

The network, its weights and the layer it is cut after: :mod:`digitface.faces.models.alexnet_network`.

Preprocessing: ``reference`` scales pixels to [-1, 1] (x / 127.5 - 1) as the reference did;
``imagenet`` uses the mean/std the ImageNet weights were trained with.
"""

from __future__ import annotations

import logging
import os
import time
from typing import Iterator

import numpy as np
import torch
from torch import nn

from digitface.atomic import atomic_path
from digitface.device import default_device
from digitface.faces.models.alexnet_network import output_shape
from digitface.progress import Progress

log = logging.getLogger(__name__)

PREPROCESS = ("reference", "imagenet")
_MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
_STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)


def preprocess_crops(crops: torch.Tensor, mode: str = "reference") -> torch.Tensor:
    """uint8 (N, S, S, 3) RGB -> float32 (N, 3, S, S) network input.

    The result is a channels-last view of one new float tensor (ops in place: no temporaries).
    """
    if mode not in PREPROCESS:
        raise ValueError(f"unknown preprocessing {mode!r}; one of {PREPROCESS}")
    x = crops.permute(0, 3, 1, 2).to(torch.float32)
    if mode == "reference":
        return x.div_(127.5).sub_(1.0)
    return x.div_(255.0).sub_(_MEAN.to(x.device)).div_(_STD.to(x.device))


def _device(device) -> torch.device:
    return default_device() if device is None else torch.device(device)


def iter_features(
    crops_uint8: np.ndarray,
    model: nn.Module,
    preprocess: str = "reference",
    batch_size: int = 50,
    device: str | torch.device | None = None,
) -> Iterator[np.ndarray]:
    """Flattened float32 activations (b, D) of each batch of crops (N, S, S, 3), in order.

    One batch of inputs and activations is alive at a time; ``crops_uint8`` may be a memory
    map, which is then read one batch at a time. ``model`` is moved to ``device`` (in place, as
    ``nn.Module.to`` does); the default device is the accelerator when there is one.
    """
    if crops_uint8.ndim != 4 or crops_uint8.shape[-1] != 3 or crops_uint8.dtype != np.uint8:
        raise ValueError(f"expected uint8 crops (N, S, S, 3), got {crops_uint8.dtype} {crops_uint8.shape}")
    if preprocess not in PREPROCESS:
        raise ValueError(f"unknown preprocessing {preprocess!r}; one of {PREPROCESS}")
    device = _device(device)
    model = model.to(device).eval()
    with torch.inference_mode():
        for start in range(0, len(crops_uint8), batch_size):
            block = crops_uint8[start : start + batch_size]  # one batch read from a memory map
            usable = block.flags.writeable and block.flags.c_contiguous  # torch wants writable memory
            batch = torch.from_numpy(np.array(block, copy=not usable))
            acts = model(preprocess_crops(batch.to(device, non_blocking=True), preprocess))
            yield acts.reshape(len(batch), -1).cpu().numpy()


def extract_features(
    crops_uint8: np.ndarray,
    model: nn.Module,
    preprocess: str = "reference",
    batch_size: int = 50,
    device: str | torch.device | None = None,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Activations (N, D) of ``model`` for crops (N, S, S, 3), computed batch by batch.

    Beyond the result, memory does not grow with N (see :func:`iter_features`). ``out`` (e.g. a
    float16 array) receives the rows instead of a new float32 array.
    """
    n = len(crops_uint8)
    start = 0
    for acts in iter_features(crops_uint8, model, preprocess, batch_size, device):
        if out is None:
            out = np.empty((n, acts.shape[1]), dtype=np.float32)
        if out.shape != (n, acts.shape[1]):
            raise ValueError(f"out has shape {out.shape}, activations are {(n, acts.shape[1])}")
        out[start : start + len(acts)] = acts
        start += len(acts)
    if out is None:  # no images: the width still comes from the network
        p = next(model.parameters())
        out = np.empty((0, int(np.prod(output_shape(model.to(p.device), crops_uint8.shape[1])))), np.float32)
    return out


def extract_chunk_to_file(
    crops_uint8: np.ndarray,
    path: str | os.PathLike,
    model: nn.Module,
    preprocess: str = "reference",
    batch_size: int = 50,
    device: str | torch.device | None = None,
    dtype: str | np.dtype = "float32",
    progress_interval: float = 10.0,
) -> dict:
    """Write the activations of one chunk of crops to ``path`` (.npy), atomically.

    Each batch is appended to a temporary ``.npy`` beside ``path`` as soon as it is computed
    (plain writes: cheaper than faulting in a fresh memory map), which is fsynced and renamed
    onto ``path`` only when complete: a killed job leaves nothing behind, and the training can
    ``np.load(path, mmap_mode='r')`` the file. Memory holds one batch, whatever the chunk size.
    ``dtype`` float16 halves the disk (activations keep ~3 significant digits). Progress
    (images done/total, rate, ETA) is logged every ``progress_interval`` seconds and at the end.
    """
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float16):
        raise ValueError(f"chunk dtype must be float32 or float16, not {dtype}")
    t0 = time.perf_counter()
    n = len(crops_uint8)
    progress = Progress(log, "AlexNet features: images", n, progress_interval)
    with atomic_path(path, suffix=".npy") as tmp, open(tmp, "wb") as fh:
        dim = None
        for acts in iter_features(crops_uint8, model, preprocess, batch_size, device):
            if dim is None:
                dim = acts.shape[1]
                np.lib.format.write_array_header_1_0(
                    fh, {"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False, "shape": (n, dim)}
                )
            fh.write(np.ascontiguousarray(acts, dtype=dtype).data)
            progress.advance(len(acts))
        if dim is None:  # an empty chunk: still a valid (0, D) file
            dim = int(np.prod(output_shape(model, crops_uint8.shape[1])))
            np.save(fh, np.empty((0, dim), dtype=dtype))
        fh.flush()
    return {"path": str(path), "shape": [n, dim], "dtype": dtype.name, "seconds": time.perf_counter() - t0}
