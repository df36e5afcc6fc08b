"""Load the course's ``snapshot50.pkl`` safely and use it as a tanh one-hidden-layer network.

The file is a Python-2 pickle (protocol 0) of float32 arrays ``W0 (784, 300)``, ``b0``,
``W1 (300, 10)``, ``b1``. A plain ``pickle.load`` would run any callable the file names, so
:class:`RestrictedUnpickler` admits exactly the three globals numpy's array pickling uses
(``_reconstruct``, ``ndarray``, ``dtype``; ``_frombuffer`` and latin-1 ``_codecs.encode`` for
Python 3 pickles), refuses object dtypes (whose contents would be
arbitrary Python objects), and the result must be a dict of str -> numeric arrays.

Sizes are checked before anything is allocated: an array a pickle asks for (its shape times
its item size, at construction and in the state that fills it) may not exceed
:data:`MAX_ARRAY_BYTES`, nor all of them together :data:`MAX_TOTAL_BYTES`, so a few bytes of
pickle cannot make the job allocate exabytes. (The pure-Python unpickler is used because only
it lets the BUILD step be checked; the snapshot is small.)
"""

from __future__ import annotations

import io
import logging
import math
import os
import pickle
from pathlib import Path

import numpy as np
from numpy._core.multiarray import _reconstruct
from numpy._core.numeric import _frombuffer

from digitface.atomic import write_json
from digitface.digits.split import to_features
from digitface.digits.store import SPLIT_NAMES, load_split

log = logging.getLogger(__name__)

EXPECTED_SHAPES = {"W0": (784, 300), "b0": (300,), "W1": (300, 10), "b1": (10,)}
#: Largest array (bytes) and largest total a weights pickle may ask for; snapshot50.pkl has 0.9 MB.
MAX_ARRAY_BYTES = 64 * 2**20
MAX_TOTAL_BYTES = 256 * 2**20


class UnsafePickleError(pickle.UnpicklingError):
    """The pickle asked for something other than plain numpy arrays."""


def _safe_dtype(*args, **kwargs) -> np.dtype:
    dtype = np.dtype(*args, **kwargs)
    if dtype.hasobject:
        raise UnsafePickleError(f"refusing object dtype {dtype!r} in a weights pickle")
    return dtype


def _array_bytes(shape, dtype: np.dtype) -> int:
    """Bytes an array of ``shape`` would take, refusing shapes that are not tuples of ints."""
    shape = (shape,) if isinstance(shape, int) else shape
    if not isinstance(shape, tuple) or not all(isinstance(n, int) and n >= 0 for n in shape):
        raise UnsafePickleError(f"refusing array shape {shape!r}")
    return math.prod(shape) * np.dtype(dtype).itemsize


def _check_size(shape, dtype) -> None:
    size = _array_bytes(shape, dtype)
    if size > MAX_ARRAY_BYTES:
        raise UnsafePickleError(
            f"refusing an array of {size} bytes (shape {shape}, {np.dtype(dtype)}): more than {MAX_ARRAY_BYTES} bytes"
        )


def _safe_reconstruct(subtype, shape, dtype_code):
    if subtype is not np.ndarray:
        raise UnsafePickleError(f"refusing array subtype {subtype!r}")
    _check_size(shape, np.dtype(dtype_code) if not isinstance(dtype_code, np.dtype) else dtype_code)
    return _reconstruct(subtype, shape, dtype_code)


def _safe_frombuffer(buf, dtype, shape, order):
    dtype = _safe_dtype(dtype)
    _check_size(shape, dtype)
    return _frombuffer(buf, dtype, shape, order)


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


class RestrictedUnpickler(pickle._Unpickler):
    """An unpickler that can rebuild numpy arrays of bounded size and nothing else."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.total_bytes = 0

    def load_build(self) -> None:
        """BUILD fills an array from its state (version, shape, dtype, fortran, data): the
        shape is checked, and counted towards the total, before numpy allocates it."""
        state, inst = self.stack[-1], self.stack[-2]
        if isinstance(inst, np.ndarray):
            if not (isinstance(state, tuple) and len(state) == 5 and isinstance(state[2], np.dtype)):
                raise UnsafePickleError("refusing an array state that is not (version, shape, dtype, order, data)")
            _check_size(state[1], state[2])
            self.total_bytes += _array_bytes(state[1], state[2])
            if self.total_bytes > MAX_TOTAL_BYTES:
                raise UnsafePickleError(f"refusing arrays of more than {MAX_TOTAL_BYTES} bytes in all")
        super().load_build()

    dispatch = dict(pickle._Unpickler.dispatch)
    dispatch[pickle.BUILD[0]] = load_build

    def find_class(self, module: str, name: str):
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise UnsafePickleError(f"refusing to load global {module}.{name}: only numpy arrays are allowed") from None


def load_array_pickle(data: bytes) -> dict[str, np.ndarray]:
    """Unpickle a dict of numeric numpy arrays (Python 2 or 3 pickles), refusing anything else."""
    obj = RestrictedUnpickler(io.BytesIO(data), encoding="latin1").load()
    if not isinstance(obj, dict) or not all(isinstance(k, str) and isinstance(v, np.ndarray) for k, v in obj.items()):
        raise UnsafePickleError("expected a dict of str -> numpy array")
    return obj


def load_snapshot(path: str | Path) -> dict[str, np.ndarray]:
    """Load ``snapshot50.pkl`` and check it has the handout's four arrays and shapes; every
    refusal names the file."""
    try:
        arrays = load_array_pickle(Path(path).read_bytes())
    except UnsafePickleError as exc:
        raise UnsafePickleError(f"{path}: {exc}") from None
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, IndexError) as exc:
        raise ValueError(f"{path}: not a readable weights pickle ({type(exc).__name__}: {exc})") from None
    for key, shape in EXPECTED_SHAPES.items():
        if key not in arrays or arrays[key].shape != shape:
            got = arrays[key].shape if key in arrays else "missing"
            raise ValueError(f"{path}: {key} should have shape {shape}, got {got}")
    return {k: arrays[k].astype(np.float32) for k in EXPECTED_SHAPES}


def tanh_network_logits(x: np.ndarray, params: dict[str, np.ndarray]) -> np.ndarray:
    """Logits of the handout's network: ``tanh(x W0 + b0) W1 + b1`` for rows ``x`` (n, 784)."""
    hidden = np.tanh(x @ params["W0"] + params["b0"])
    return hidden @ params["W1"] + params["b1"]


def snapshot_accuracy(params: dict[str, np.ndarray], split: dict[str, np.ndarray]) -> dict[str, float]:
    """The network's accuracy on each part of a split file's arrays, pixels scaled to [0, 1]."""
    accuracy = {}
    for name, (x, y) in SPLIT_NAMES.items():
        predicted = np.argmax(tanh_network_logits(to_features(split[x]), params), axis=1)
        accuracy[name] = float(np.mean(predicted == split[y]))
    return accuracy


def evaluate_snapshot_job(snapshot: str | Path, data: str | Path, metrics: str | os.PathLike) -> dict:
    """The evaluate_snapshot job: the snapshot's accuracy on the run's split, and what it is."""
    accuracy = snapshot_accuracy(load_snapshot(snapshot), load_split(data))
    log.info("snapshot accuracy (inputs scaled to [0, 1]): %s", accuracy)
    out = {
        "network": "tanh, 300 hidden units (snapshot50.pkl, handout iteration 50)",
        "input_scaling": "pixels / 255",
        "accuracy": accuracy,
    }
    write_json(metrics, out)
    return out
