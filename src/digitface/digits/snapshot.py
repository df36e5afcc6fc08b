"""Load the course's ``snapshot50.pkl`` safely and use it as a tanh one-hidden-layer network.

The file is a Python-2 pickle (protocol 0) of float32 arrays ``W0 (784, 300)``, ``b0``,
``W1 (300, 10)``, ``b1``. A plain ``pickle.load`` would run any callable the file names, so
:class:`RestrictedUnpickler` admits exactly the three globals numpy's array pickling uses
(``_reconstruct``, ``ndarray``, ``dtype``; ``_frombuffer`` and latin-1 ``_codecs.encode`` for
Python 3 pickles), refuses object dtypes (whose contents would be
arbitrary Python objects), and the result must be a dict of str -> numeric arrays.
"""

from __future__ import annotations

import io
import pickle
from pathlib import Path

import numpy as np
from numpy._core.multiarray import _reconstruct
from numpy._core.numeric import _frombuffer

EXPECTED_SHAPES = {"W0": (784, 300), "b0": (300,), "W1": (300, 10), "b1": (10,)}


class UnsafePickleError(pickle.UnpicklingError):
    """The pickle asked for something other than plain numpy arrays."""


def _safe_dtype(*args, **kwargs) -> np.dtype:
    dtype = np.dtype(*args, **kwargs)
    if dtype.hasobject:
        raise UnsafePickleError(f"refusing object dtype {dtype!r} in a weights pickle")
    return dtype


def _safe_reconstruct(subtype, shape, dtype_code):
    if subtype is not np.ndarray:
        raise UnsafePickleError(f"refusing array subtype {subtype!r}")
    return _reconstruct(subtype, shape, dtype_code)


def _safe_frombuffer(buf, dtype, shape, order):
    return _frombuffer(buf, _safe_dtype(dtype), shape, order)


def _latin1_encode(text: str, encoding: str) -> bytes:
    """Python 3 pickles (protocol < 3) store array bytes as latin-1 text re-encoded on load."""
    if encoding != "latin1" or not isinstance(text, str):
        raise UnsafePickleError(f"refusing _codecs.encode with {encoding!r}")
    return text.encode("latin1")


_ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"): _safe_reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _safe_reconstruct,
    ("numpy.core.numeric", "_frombuffer"): _safe_frombuffer,
    ("numpy._core.numeric", "_frombuffer"): _safe_frombuffer,
    ("_codecs", "encode"): _latin1_encode,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): _safe_dtype,
}


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that can rebuild numpy arrays and nothing else."""

    def find_class(self, module: str, name: str):
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise UnsafePickleError(
                f"refusing to load global {module}.{name}: only numpy arrays are allowed"
            ) from None


def load_array_pickle(data: bytes) -> dict[str, np.ndarray]:
    """Unpickle a dict of numeric numpy arrays (Python 2 or 3 pickles), refusing anything else."""
    obj = RestrictedUnpickler(io.BytesIO(data), encoding="latin1").load()
    if not isinstance(obj, dict) or not all(
        isinstance(k, str) and isinstance(v, np.ndarray) for k, v in obj.items()
    ):
        raise UnsafePickleError("expected a dict of str -> numpy array")
    return obj


def load_snapshot(path: str | Path) -> dict[str, np.ndarray]:
    """Load ``snapshot50.pkl`` and check it has the handout's four arrays and shapes."""
    arrays = load_array_pickle(Path(path).read_bytes())
    for key, shape in EXPECTED_SHAPES.items():
        if key not in arrays or arrays[key].shape != shape:
            got = arrays[key].shape if key in arrays else "missing"
            raise ValueError(f"{path}: {key} should have shape {shape}, got {got}")
    return {k: arrays[k].astype(np.float32) for k in EXPECTED_SHAPES}


def tanh_network_logits(x: np.ndarray, params: dict[str, np.ndarray]) -> np.ndarray:
    """Logits of the handout's network: ``tanh(x W0 + b0) W1 + b1`` for rows ``x`` (n, 784)."""
    hidden = np.tanh(x @ params["W0"] + params["b0"])
    return hidden @ params["W1"] + params["b1"]
