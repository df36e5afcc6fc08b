"""AlexNet activations of 227x227 face crops, streamed in batches and written chunk by chunk.

The network is torchvision's AlexNet (``torchvision.models.alexnet``), which is the
"one weird trick" variant: conv1 has 64 filters (not 96) and padding 2, so a 227x227 input
gives 56x56 after conv1, 27x27 after pool1, and 13x13 for conv3..conv5 (256x13x13 = 43,264
values at conv5). The reference's text says it used conv4, but its code kept every layer up to
the fifth convolution without its ReLU: that is our ``conv5``.

Weights:

* ``imagenet``: ``AlexNet_Weights.IMAGENET1K_V1``, from the file the rule
  ``fetch_alexnet_weights`` obtained and checked against its pinned SHA-256
  (:mod:`digitface.faces.models.weights`), loaded with ``torch.load(weights_only=True)``.
* ``random``: PyTorch's default initialisation drawn under ``seed`` (the default for the offline
  synthetic sample). The metadata says so, so figures and reports can state that the
  features are NOT ImageNet features.

Preprocessing: ``reference`` scales pixels to [-1, 1] (x / 127.5 - 1) as the reference did;
``imagenet`` uses the mean/std the ImageNet weights were trained with.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Iterator

import numpy as np
import torch
import torchvision
from torch import nn

from digitface.atomic import atomic_path
from digitface.device import default_device
from digitface.progress import Progress

log = logging.getLogger(__name__)

INPUT_SIZE = 227

# Index of each named layer in torchvision's ``AlexNet.features``; the truncated network keeps
# modules [0, index]. Checked against the modules' types in :func:`truncate`.
LAYERS: dict[str, int] = {
    "conv1": 0,
    "conv1_relu": 1,
    "pool1": 2,
    "conv2": 3,
    "conv2_relu": 4,
    "pool2": 5,
    "conv3": 6,
    "conv3_relu": 7,
    "conv4": 8,
    "conv4_relu": 9,
    "conv5": 10,
    "conv5_relu": 11,
    "pool5": 12,
}
_KIND = {"conv": nn.Conv2d, "relu": nn.ReLU, "pool": nn.MaxPool2d}

PREPROCESS = ("reference", "imagenet")
_MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
_STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)


class AlexNetFeatures(nn.Module):
    """AlexNet's convolutional part alone (2.5 M of its 61 M parameters): all that feature
    extraction needs, so a chunk job does not hold (or initialise) the 230 MiB classifier."""

    def __init__(self, features: nn.Sequential):
        super().__init__()
        self.features = features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.features(x)


def _random_features(seed: int) -> nn.Sequential:
    """torchvision's features, initialised exactly as ``alexnet()`` under ``manual_seed(seed)``
    would (the features are built, hence drawn, before the classifier), without the classifier."""
    with torch.device("meta"):
        skeleton = torchvision.models.alexnet(weights=None)
    features = skeleton.features.to_empty(device="cpu")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        for module in features:
            if hasattr(module, "reset_parameters"):
                module.reset_parameters()
    return features


def _load_state(file: Path) -> dict[str, torch.Tensor]:
    """The weights file's tensors, memory-mapped when its format allows (only what is used is read)."""
    try:
        return torch.load(file, map_location="cpu", weights_only=True, mmap=True)
    except RuntimeError as err:
        if "mmap" not in str(err):
            raise
        return torch.load(file, map_location="cpu", weights_only=True)  # legacy (non-zip) file


def load_alexnet(
    weights: str = "random", *, seed: int = 0, path: str | os.PathLike | None = None, features_only: bool = False
) -> tuple[nn.Module, dict]:
    """torchvision AlexNet in eval mode, and metadata saying which weights it carries.

    ``features_only`` returns an :class:`AlexNetFeatures` with the same ``features`` (same
    weights for the same seed or file) and no classifier: far less memory for extraction.
    """
    if weights == "random":
        if path is not None:
            raise ValueError("a weights path was given with weights='random'")
        if features_only:
            model = AlexNetFeatures(_random_features(seed))
        else:
            with torch.random.fork_rng(devices=[]):  # seeded without disturbing the caller's RNG
                torch.manual_seed(seed)
                model = torchvision.models.alexnet(weights=None)
        meta = {
            "weights": "random",
            "pretrained": False,
            "seed": seed,
            "file": None,
            "sha256": None,
            "description": f"randomly initialised AlexNet (seed {seed}); NOT ImageNet features",
        }
    elif weights == "imagenet":
        if path is None:
            raise ValueError("weights='imagenet' needs the weights file (rule fetch_alexnet_weights)")
        file = Path(path)
        if not file.is_file():
            raise FileNotFoundError(f"AlexNet weights file {file} does not exist")
        state = _load_state(file)
        if features_only:
            with torch.device("meta"):
                skeleton = torchvision.models.alexnet(weights=None)
            model = AlexNetFeatures(skeleton.features.to_empty(device="cpu"))
            state = {k: v for k, v in state.items() if k.startswith("features.")}
        else:
            model = torchvision.models.alexnet(weights=None)
        model.load_state_dict(state)
        meta = {
            "weights": "imagenet",
            "pretrained": True,
            "seed": None,
            "file": str(file),
            "description": f"AlexNet with ImageNet weights ({file.name})",
        }
    else:
        raise ValueError(f"unknown AlexNet weights {weights!r}: 'imagenet' or 'random'")
    return model.eval(), meta


def truncate(model: nn.Module, layer: str) -> nn.Sequential:
    """``model.features`` up to and including ``layer`` (see :data:`LAYERS`); shares parameters."""
    if layer not in LAYERS:
        raise ValueError(f"unknown layer {layer!r}; one of {', '.join(LAYERS)}")
    index = LAYERS[layer]
    kind = layer.split("_")[-1] if "_" in layer else layer.rstrip("0123456789")
    if not isinstance(model.features[index], _KIND[kind]):
        raise TypeError(f"features[{index}] is {model.features[index]!r}, expected {kind} for {layer}")
    return nn.Sequential(*list(model.features.children())[: index + 1]).eval()


def output_shape(extractor: nn.Module, size: int = INPUT_SIZE) -> tuple[int, ...]:
    """(C, H, W) the truncated network gives for a ``size`` x ``size`` input."""
    with torch.inference_mode():
        p = next(extractor.parameters())
        return tuple(extractor(torch.zeros(1, 3, size, size, device=p.device, dtype=p.dtype)).shape[1:])


def build_extractor(
    layer: str = "conv5", weights: str = "random", *, seed: int = 0, path: str | os.PathLike | None = None
) -> tuple[nn.Sequential, dict]:
    """Truncated AlexNet for ``layer`` and metadata (weights, layer, feature count at 227x227)."""
    model, meta = load_alexnet(weights, seed=seed, path=path, features_only=True)
    extractor = truncate(model, layer)
    shape = output_shape(extractor)
    meta = {
        **meta,
        "layer": layer,
        "features_index": LAYERS[layer],
        "shape": list(shape),
        "n_features": int(np.prod(shape)),
    }
    return extractor, meta


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
