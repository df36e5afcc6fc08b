import json
import os
import pickle

import numpy as np
import pytest

from digitface.digits.idx import read_idx
from digitface.digits.snapshot import (
    UnsafePickleError,
    evaluate_snapshot_job,
    load_array_pickle,
    load_snapshot,
    tanh_network_logits,
)
from testkit.digits import write_split


def test_real_snapshot_loads_and_is_a_weak_classifier(shared_mnist_dir):
    params = load_snapshot(shared_mnist_dir / "snapshot50.pkl")
    assert {k: v.shape for k, v in params.items()} == {"W0": (784, 300), "b0": (300,), "W1": (300, 10), "b1": (10,)}
    x = read_idx(shared_mnist_dir / "t10k-images-idx3-ubyte.gz").reshape(-1, 784) / 255.0
    y = read_idx(shared_mnist_dir / "t10k-labels-idx1-ubyte.gz")
    acc = np.mean(np.argmax(tanh_network_logits(x.astype(np.float32), params), axis=1) == y)
    # shared/data/mnist/README.txt measured 44.2% with x/255 on the full test set.
    assert acc == pytest.approx(0.442, abs=0.001)


def test_python3_array_pickles_load():
    arrays = {"a": np.arange(6, dtype=np.float32).reshape(2, 3), "b": np.array([1, 2], np.int64)}
    for protocol in (0, 2, 5):
        out = load_array_pickle(pickle.dumps(arrays, protocol=protocol))
        for k in arrays:
            np.testing.assert_array_equal(out[k], arrays[k])


class _Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


@pytest.mark.parametrize(
    "payload, message",
    [
        (pickle.dumps({"W": _Evil()}), "posix.system|os.system"),
        (pickle.dumps({"W": np.array([object()], dtype=object)}), "object dtype|builtins"),
        (pickle.dumps([np.zeros(2)]), "dict of str"),
        (pickle.dumps({"W": np.ma.masked_array([1.0])}), "numpy.ma"),
    ],
)
def test_anything_but_arrays_is_refused(payload, message):
    with pytest.raises(UnsafePickleError, match=message):
        load_array_pickle(payload)


def test_wrong_shapes_are_a_clear_error(tmp_path):
    path = tmp_path / "w.pkl"
    path.write_bytes(pickle.dumps({"W0": np.zeros((2, 2), np.float32)}))
    with pytest.raises(ValueError, match=r"W0 should have shape \(784, 300\)"):
        load_snapshot(path)


class _Array:
    """Pickles as numpy does (_reconstruct, then BUILD with a state), with any shape and data."""

    def __init__(self, shape, dtype, data):
        self.shape, self.dtype, self.data = shape, np.dtype(dtype), data

    def __reduce__(self):
        from numpy._core.multiarray import _reconstruct

        return (_reconstruct, (np.ndarray, (0,), b"b"), (1, self.shape, self.dtype, False, self.data))


class _Huge:
    def __reduce__(self):
        from numpy._core.multiarray import _reconstruct

        return (_reconstruct, (np.ndarray, (10**12,), b"b"))


@pytest.mark.parametrize(
    "payload, message",
    [
        ({"W0": _Huge()}, r"refusing an array of 1000000000000 bytes"),
        (
            {"W0": _Array((10**9, 10**3), "f8", b"xyz")},
            r"refusing an array of 8000000000000 bytes \(shape \(1000000000, 1000\)",
        ),
        ({"W0": _Array((-1, 5), "f4", b"xyz")}, r"refusing array shape \(-1, 5\)"),
        ({"W0": _Array((2, 2), "f4", b"abc")}, "buffer size does not match"),
    ],
)
def test_a_pickle_cannot_ask_for_huge_arrays(tmp_path, payload, message):
    path = tmp_path / "snapshot50.pkl"
    path.write_bytes(pickle.dumps(payload, protocol=2))
    with pytest.raises((UnsafePickleError, ValueError), match=message) as err:
        load_snapshot(path)
    assert str(path) in str(err.value)  # the file is named


def test_the_total_of_all_arrays_is_capped_too(tmp_path):
    """Eight 40 MB arrays sharing one memoised 40 MB string: a 40 MB pickle asking for 320 MB."""
    shared = bytes(40 * 2**20)
    path = tmp_path / "shared.pkl"
    path.write_bytes(pickle.dumps({f"a{i}": _Array((len(shared),), "u1", shared) for i in range(8)}, protocol=2))
    assert path.stat().st_size < 41 * 2**20
    with pytest.raises(UnsafePickleError, match=r"more than 268435456 bytes in all"):
        load_snapshot(path)


def test_protocol_5_frombuffer_shapes_are_capped():
    from numpy._core.numeric import _frombuffer

    class Evil:
        def __reduce__(self):
            return (_frombuffer, (b"x" * 8, np.dtype("f8"), (10**10,), "C"))

    with pytest.raises(UnsafePickleError, match="refusing an array of 80000000000 bytes"):
        load_array_pickle(pickle.dumps({"W": Evil()}, protocol=5))


def test_the_snapshot_job_reports_the_networks_accuracy_on_each_part_of_the_split(tmp_path):
    """A network that calls every image a 3 is right exactly as often as each part holds 3s."""
    arrays = write_split(tmp_path / "split.npz")
    b1 = np.zeros(10, np.float32)
    b1[3] = 1.0
    weights = {
        "W0": np.zeros((784, 300), np.float32),
        "b0": np.zeros(300, np.float32),
        "W1": np.zeros((300, 10), np.float32),
        "b1": b1,
    }
    (tmp_path / "snapshot50.pkl").write_bytes(pickle.dumps(weights, protocol=2))
    out = evaluate_snapshot_job(tmp_path / "snapshot50.pkl", tmp_path / "split.npz", tmp_path / "metrics.json")
    expected = {
        name: float(np.mean(arrays[f"y_{part}"] == 3))
        for name, part in (("train", "train"), ("validation", "val"), ("test", "test"))
    }
    assert out["accuracy"] == expected and 0 < expected["test"] < 0.5
    assert json.loads((tmp_path / "metrics.json").read_text()) == out
    assert out["input_scaling"] == "pixels / 255"
