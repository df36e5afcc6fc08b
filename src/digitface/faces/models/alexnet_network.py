"""The AlexNet that the face features come from, cut after a named layer.

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

Its own module, apart from running it over crops (:mod:`digitface.faces.models.alexnet`): which
network a feature set was made with is decided here, and only here.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch
import torchvision
from torch import nn

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


class AlexNetFeatures(nn.Module):
    """AlexNet's convolutional part alone (2.5 M of its 61 M parameters): all that feature
    extraction needs, so a chunk job does not hold (or initialise) the 230 MiB classifier."""

    def __init__(self, features: nn.Sequential):
        super().__init__()
        self.features = features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.features(x)


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
        model, meta = _random_alexnet(seed, features_only)
    elif weights == "imagenet":
        model, meta = _imagenet_alexnet(_weights_file(path), features_only)
    else:
        raise ValueError(f"unknown AlexNet weights {weights!r}: 'imagenet' or 'random'")
    return model.eval(), meta


def _random_alexnet(seed: int, features_only: bool) -> tuple[nn.Module, dict]:
    """The network PyTorch's default initialisation draws under ``seed``, and its metadata."""
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
    return model, meta


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


def _weights_file(path: str | os.PathLike | None) -> Path:
    """The ImageNet weights file, which must exist."""
    if path is None:
        raise ValueError("weights='imagenet' needs the weights file (rule fetch_alexnet_weights)")
    file = Path(path)
    if not file.is_file():
        raise FileNotFoundError(f"AlexNet weights file {file} does not exist")
    return file


def _imagenet_alexnet(file: Path, features_only: bool) -> tuple[nn.Module, dict]:
    """The network with the weights in ``file``, and its metadata."""
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
    return model, meta


def _load_state(file: Path) -> dict[str, torch.Tensor]:
    """The weights file's tensors, memory-mapped when its format allows (only what is used is read)."""
    try:
        return torch.load(file, map_location="cpu", weights_only=True, mmap=True)
    except RuntimeError as err:
        if "mmap" not in str(err):
            raise
        return torch.load(file, map_location="cpu", weights_only=True)  # legacy (non-zip) file


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
