"""What a run's results were measured on, in the words every table, figure and the report use.

One home for these sentences, made from the (validated) configuration: a table that says
"SYNTHETIC faces" and a figure that says "real photographs" for the same run would be worse
than saying nothing.
"""

from __future__ import annotations

from collections.abc import Mapping

from digitface import reference
from digitface.config.derived import resolved_weights, synthetic_faces


def digits_data(config: Mapping) -> str:
    source = config["digits"]["source"]
    return "bundled MNIST sample (10,000 training images)" if source == "sample" else f"full MNIST ({source})"


def faces_data(config: Mapping) -> str:
    if synthetic_faces(config):
        return "SYNTHETIC faces (bundled sample, invented people)"
    return "FaceScrub crops (real photographs)"


def weights(config: Mapping) -> str:
    alexnet = config["face_models"]["alexnet"]
    if resolved_weights(config) == "random":
        chosen = "" if synthetic_faces(config) else ", set explicitly on real photographs"
        return f"RANDOM AlexNet weights (seed {alexnet['seed']}{chosen}; not ImageNet features)"
    return f"ImageNet AlexNet weights (IMAGENET1K_V1, sha256 {alexnet['imagenet']['sha256'][:12]}...)"


def faces_not_comparable(config: Mapping) -> dict[str, str]:
    """Per face classifier ("mlp", "alexnet", "descriptor_mlp", "descriptor_linear"), why its
    numbers cannot be set against the reference's ("" when they can): other data, other
    identities, other features."""
    faces, alexnet = config["faces"], config["face_models"]["alexnet"]
    common = []
    n = len(faces["actors"])
    if synthetic_faces(config):
        common.append("synthetic faces (the reference: real photographs of 6 actors)")
    elif n != len(reference.FACE_ACTORS):
        common.append(f"{n} identities (the reference: 6; chance is 1 in {n}, theirs 1 in 6)")
    elif sorted(faces["actors"]) != sorted(reference.FACE_ACTORS):
        common.append("other actors than the reference's 6")
    features = []
    if resolved_weights(config) != reference.ALEXNET["weights"]:
        features.append("random AlexNet weights (the reference: ImageNet's)")
    for key in ("layer", "preprocess"):
        if alexnet[key] != reference.ALEXNET[key]:
            features.append(f"{key} {alexnet[key]} (the reference: {reference.ALEXNET[key]})")
    network = "a face network's features (the reference had none: pixels and AlexNet only)"
    return {
        "mlp": "; ".join(common),
        "alexnet": "; ".join(common + features),
        "descriptor_mlp": "; ".join(common + [network]),
        "descriptor_linear": "; ".join(common + [network]),
    }


def descriptor(config: Mapping) -> str:
    """What the face-descriptor rows were computed with, and the caveat that goes with them."""
    from digitface.faces.models.face_descriptor import LANDMARKS_SHA256, NETWORK, RESNET_SHA256

    chunk = config["face_models"]["descriptor"]["chunk_size"]
    cartoons = "; here on synthetic cartoon faces" if synthetic_faces(config) else ""
    return (
        f"dlib {NETWORK} (sha256 {RESNET_SHA256[:12]}...), 5-point landmarks (sha256 "
        f"{LANDMARKS_SHA256[:12]}...) in the crop's own box, chunks of up to {chunk} faces; trained on "
        f"data that includes FaceScrub: on FaceScrub an upper bound, not an independent test{cartoons}"
    )


def table_line(config: Mapping, part: str) -> str:
    """One line saying what a table of ``part`` (digits, faces, backprop, or "run" for all the
    run's experiments) was measured on: only what that part depends on, so that a change of
    the digits data does not rewrite the faces tables."""
    lines = {
        "digits": f"digits: {digits_data(config)}",
        "faces": f"faces: {faces_data(config)}, {weights(config)}",
        "backprop": "backprop: CPU time of one thread on the machine that ran it",
    }
    chosen = [lines[p] for p in config["experiments"]] if part == "run" else [lines[part]]
    return f"Run {config['run']}; " + "; ".join(chosen) + "."


def model_title(config: Mapping, model: str) -> str:
    """The learning-curve title of a face classifier ("mlp", an AlexNet feature MLP, or a
    classifier on the face descriptor)."""
    data = "synthetic faces" if synthetic_faces(config) else "real FaceScrub photographs"
    if model == "mlp":
        return f"MLP on 64x64 RGB crops ({data})"
    if model.startswith("descriptor/"):
        kind = "linear softmax" if model.endswith("/linear") else "MLP"
        return f"{kind} on dlib face descriptors ({data}; dlib's training data includes FaceScrub)"
    kind = "random" if resolved_weights(config) == "random" else "ImageNet"
    return f"MLP on AlexNet {config['face_models']['alexnet']['layer']} features, {kind} weights ({data})"
