import json

import numpy as np
import pytest

from digitface.atomic import read_tsv
from digitface.digits import softmax
from digitface.digits.store import load_arrays, load_feature_splits, train_and_validation
from digitface.digits.train import TrainSettings, evaluate, refit, train
from digitface.digits.training import reference_protocol_job, train_softmax_job
from testkit.digits import write_split


def _blobs(n, seed):
    """Ten Gaussian clusters in 784-d: learnable, not trivially separable."""
    rng = np.random.default_rng(seed)
    centers = np.random.default_rng(99).random((10, 784)).astype(np.float32)
    y = rng.integers(0, 10, n)
    x = centers[y] + rng.normal(0, 2.0, (n, 784)).astype(np.float32)
    return x.astype(np.float32), y


@pytest.fixture(scope="module")
def data():
    return {"train": _blobs(300, 0), "validation": _blobs(200, 1)}


def test_gradient_descent_lowers_the_cost(data):
    W0, b0 = softmax.init_params("zeros")
    result = train(*data["train"], data, W0, b0, TrainSettings(1e-4, 50, eval_every=10))
    costs = [r["cost"] for r in result.history if r["split"] == "train"]
    assert costs[-1] < 0.5 * costs[0]
    assert [r["iteration"] for r in result.history if r["split"] == "train"] == [0, 10, 20, 30, 40, 50]


def test_chosen_iteration_is_the_best_on_validation(data):
    W0, b0 = softmax.init_params("zeros")
    result = train(*data["train"], data, W0, b0, TrainSettings(3e-4, 60, gamma=0.9, eval_every=5))
    val = [(r["accuracy"], -r["iteration"]) for r in result.history if r["split"] == "validation"]
    assert result.best_iteration == -max(val)[1]
    # The returned weights are the ones of that iteration, not the last ones.
    x, y = data["validation"]
    assert softmax.accuracy(x, result.W, result.b, y) == pytest.approx(max(val)[0])


def test_momentum_zero_is_gradient_descent_and_momentum_differs(data):
    W0, b0 = softmax.init_params("normal", seed=1)
    runs = {g: train(*data["train"], data, W0, b0, TrainSettings(1e-4, 20, gamma=g, eval_every=20)) for g in (0.0, 0.9)}
    plain = train(*data["train"], data, W0, b0, TrainSettings(1e-4, 20, eval_every=20))
    assert [r["cost"] for r in runs[0.0].history] == [r["cost"] for r in plain.history]
    assert runs[0.9].history[-1]["cost"] != plain.history[-1]["cost"]


def test_validation_split_is_required(data):
    W0, b0 = softmax.init_params("zeros")
    with pytest.raises(ValueError, match="validation"):
        train(*data["train"], {"train": data["train"]}, W0, b0, TrainSettings(1e-4, 2))


def test_refit_is_plain_momentum_descent_on_the_given_data(data):
    x, y = data["train"]
    W0, b0 = softmax.init_params("normal", seed=2)
    settings = TrainSettings(1e-4, 999, gamma=0.5)
    W, b = refit(x, y, W0, b0, settings, iterations=7)
    eW, eb = W0.astype(np.float64), b0.astype(np.float64)
    vW, vb = 0.0, 0.0
    for _ in range(7):
        dW, db = softmax.gradients(x.astype(np.float64), eW, eb, y)
        vW, vb = 0.5 * vW + 1e-4 * dW, 0.5 * vb + 1e-4 * db
        eW, eb = eW - vW, eb - vb
    np.testing.assert_allclose(W, eW, rtol=1e-3, atol=1e-5)
    np.testing.assert_allclose(b, eb, rtol=1e-3, atol=1e-5)


def test_l2_penalty_shrinks_the_weights(data):
    W0, b0 = softmax.init_params("zeros")
    norms = {}
    for l2 in (0.0, 300.0):
        result = train(*data["train"], data, W0, b0, TrainSettings(1e-4, 40, eval_every=40, l2=l2))
        norms[l2] = np.linalg.norm(result.W)
    assert norms[300.0] < 0.9 * norms[0.0]


INIT = {"kind": "normal", "seed": 3, "scale": 0.01}


def _job_files(tmp_path, name):
    return tmp_path / f"{name}_history.tsv", tmp_path / f"{name}_metrics.json", tmp_path / f"{name}_weights.npz"


def test_a_selection_run_reports_the_iteration_chosen_on_validation_and_keeps_its_model(tmp_path):
    write_split(tmp_path / "split.npz")
    splits = load_feature_splits(tmp_path / "split.npz")
    files = _job_files(tmp_path, "gd")
    schedule = {"learning_rate": 1e-3, "iterations": 30, "eval_every": 5}
    metrics = train_softmax_job(tmp_path / "split.npz", schedule, INIT, False, "gd", 1, *files)
    assert json.loads(files[1].read_text()) == json.loads(json.dumps(metrics))
    history = read_tsv(files[0])
    validation = [(float(r["accuracy"]), -int(r["iteration"])) for r in history if r["split"] == "validation"]
    assert metrics["chosen_iteration"] == -max(validation)[1]  # the best, the earliest of ties
    at = {(int(r["iteration"]), r["split"]): float(r["accuracy"]) for r in history}
    assert metrics["at_chosen"]["validation"]["accuracy"] == at[(metrics["chosen_iteration"], "validation")]
    assert metrics["at_last"]["test"]["accuracy"] == at[(30, "test")]
    assert metrics["settings"] == {"learning_rate": 1e-3, "iterations": 30, "gamma": 0.0, "eval_every": 5, "l2": 0.0}
    assert (metrics["optimizer"], metrics["init"], metrics["model"]) == ("gd", "normal", "selection run")
    assert metrics["final"] == metrics["at_chosen"]  # the kept model is the chosen iteration's
    saved = load_arrays(files[2])
    assert evaluate(*splits["test"], saved["W"], saved["b"])["accuracy"] == metrics["final"]["test"]["accuracy"]


def test_a_refit_reports_the_model_trained_again_on_train_and_validation(tmp_path):
    write_split(tmp_path / "split.npz")
    splits = load_feature_splits(tmp_path / "split.npz")
    files = _job_files(tmp_path, "momentum")
    schedule = {"learning_rate": 1e-3, "iterations": 20, "gamma": 0.9, "eval_every": 5}
    metrics = train_softmax_job(tmp_path / "split.npz", schedule, INIT, True, "momentum", 1, *files)
    assert metrics["model"] == "refit on train + validation" and set(metrics["final"]) == {"train", "test"}
    assert set(metrics["at_chosen"]) == {"train", "validation", "test"}
    saved = load_arrays(files[2])
    pooled = train_and_validation(splits)
    assert len(pooled[1]) == 200 + 60
    assert metrics["final"]["train"] == pytest.approx(evaluate(*pooled, saved["W"], saved["b"]))
    assert metrics["final"]["test"] == pytest.approx(evaluate(*splits["test"], saved["W"], saved["b"]))


def test_the_reference_protocol_runs_its_own_iterations_and_selects_nothing(tmp_path):
    write_split(tmp_path / "split.npz")
    schedule = {"learning_rate": 1e-3, "iterations": 30, "eval_every": 5}
    metrics = reference_protocol_job(tmp_path / "split.npz", schedule, INIT, 12, "gd", 1, tmp_path / "fixed.json")
    assert json.loads((tmp_path / "fixed.json").read_text()) == json.loads(json.dumps(metrics))
    assert metrics["settings"]["iterations"] == 12 and "chosen_iteration" not in metrics
    assert metrics["model"].startswith("reference protocol") and set(metrics["final"]) == {"train", "test"}
    x, y = train_and_validation(load_feature_splits(tmp_path / "split.npz"))
    W, b = refit(x, y, *softmax.init_params(**INIT), TrainSettings(1e-3, 12), 12)  # on all 260 images
    assert metrics["final"]["train"] == pytest.approx(evaluate(x, y, W, b))
