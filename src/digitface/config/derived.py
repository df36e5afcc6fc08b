"""Settings that follow from other settings: whether the faces are synthetic, which AlexNet
weights ``auto`` means, what an extraction job depends on and the names of the feature sets.

Why apart from the checks: the rules and the provenance table read these on every plan and
in the report; they decide nothing about whether the configuration can run (the checks ask
them, not the other way round).
"""

from __future__ import annotations

from collections.abc import Mapping


def synthetic_faces(config: Mapping) -> bool:
    """Whether the run's faces are the bundled synthetic sample (each list says so itself)."""
    return all(src.get("synthetic", False) for src in config["faces"]["lists"])


def resolved_weights(config: Mapping) -> str:
    """``imagenet`` or ``random``: ``auto`` means random weights on synthetic faces (nothing to
    transfer) and ImageNet weights on real photographs (the reference's setting)."""
    weights = config["face_models"]["alexnet"]["weights"]
    if weights == "auto":
        return "random" if synthetic_faces(config) else "imagenet"
    return weights


#: What an AlexNet extraction job's output depends on: not the feature MLP's schedule, not
#: where the weights were fetched from (the weights file itself is the job's input).
EXTRACTION_KEYS = ("layer", "seed", "preprocess", "chunk_size", "batch_size", "dtype")


def extraction_settings(config: Mapping) -> dict:
    alexnet = config["face_models"]["alexnet"]
    return {k: alexnet[k] for k in EXTRACTION_KEYS}


def feature_set(config: Mapping) -> str:
    """The name of a run's AlexNet feature set: layer, weights (random and their seed, or the
    ImageNet file's checksum), preprocessing, chunk size and storage, so that features made
    otherwise never share a folder."""
    alexnet = config["face_models"]["alexnet"]
    weights = (
        f"random{alexnet['seed']}"
        if resolved_weights(config) == "random"
        else f"imagenet-{alexnet['imagenet']['sha256'][:8]}"
    )
    half = "-f16" if alexnet["dtype"] == "float16" else ""
    return f"{alexnet['layer']}-{weights}-{alexnet['preprocess']}-c{alexnet['chunk_size']}{half}"


def descriptor_set(config: Mapping) -> str:
    """The name of a run's face-descriptor feature set: the network, its landmarks and the chunk
    size (the model files are pinned in the code: other files would be another network's name)."""
    return f"dlib-resnet-v1-5pt-c{config['face_models']['descriptor']['chunk_size']}"
