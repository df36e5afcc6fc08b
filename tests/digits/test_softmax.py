import numpy as np
import pytest

from digitface.atomic import read_tsv
from digitface.digits import gradcheck, softmax
from testkit.digits import write_split


def _problem(n=64, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    x = rng.random((n, 784)).astype(dtype) * (rng.random((n, 784)) < 0.2)
    y = rng.integers(0, 10, n)
    W = rng.normal(0, 0.05, (784, 10)).astype(dtype)
    b = rng.normal(0, 0.1, 10).astype(dtype)
    return x, y, W, b


def test_softmax_is_stable_for_huge_logits():
    p = softmax.softmax(np.array([[1000.0, 1000.0, -1000.0], [-5e4, 0.0, 5e4]]))
    assert np.all(np.isfinite(p))
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    np.testing.assert_allclose(p[0], [0.5, 0.5, 0.0])


def test_cost_is_summed_negative_log_probability():
    x, y, W, b = _problem()
    p = softmax.forward(x, W, b)
    assert softmax.cost(x, W, b, y) == pytest.approx(-np.log(p[np.arange(len(y)), y]).sum())
    # No log(0) when a true class has probability 0 in floating point.
    assert np.isfinite(softmax.cost_from_logits(np.array([[800.0, -800.0]]), np.array([1])))


def test_gradients_match_the_seed_formulation():
    x, y, W, b = _problem()
    dW, db = softmax.gradients(x, W, b, y)
    sW, sb = softmax.seed_gradients(x.T, W, b[:, None], np.eye(10)[y].T)
    np.testing.assert_allclose(dW, sW, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(db, sb.ravel(), rtol=1e-10, atol=1e-12)


def test_fast_step_matches_reference_gradients():
    x, y, W, b = _problem(dtype=np.float32)
    step = softmax.SoftmaxStep(x, y)
    for _ in range(2):  # buffers are reused: the second call must be as right as the first
        dW, db = step(W, b)
        rW, rb = softmax.gradients(x.astype(np.float64), W.astype(np.float64), b.astype(np.float64), y)
        np.testing.assert_allclose(dW, rW, rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(db, rb, rtol=1e-4, atol=1e-5)


def test_gradient_check_passes_at_1e7():
    x, y, W, b = _problem(n=100)
    rows = gradcheck.check_gradients(x, y, W, b, n_coords=25, seed=1)
    assert sum(r.param == "W" for r in rows) == 25
    assert sum(r.param == "b" for r in rows) == 10
    assert max(r.rel_error for r in rows) <= 1e-7
    assert all(abs(r.analytic) > 1e-8 for r in rows if r.param == "W")


def test_gradient_check_catches_a_wrong_gradient(monkeypatch):
    x, y, W, b = _problem(n=100)
    right = softmax.gradients
    monkeypatch.setattr(softmax, "gradients", lambda *a: tuple(g * 1.001 for g in right(*a)))
    rows = gradcheck.check_gradients(x, y, W, b, n_coords=20, seed=1)
    assert min(r.rel_error for r in rows) > 1e-4


def test_init_kinds():
    W, b = softmax.init_params("zeros")
    assert not W.any() and not b.any() and W.shape == (784, 10)
    W1, _ = softmax.init_params("normal", seed=5, scale=0.1)
    W2, _ = softmax.init_params("normal", seed=5, scale=0.1)
    np.testing.assert_array_equal(W1, W2)
    assert 0.09 < W1.std() < 0.11
    with pytest.raises(ValueError, match="zeros"):
        softmax.init_params("xavier")


def test_fast_step_stays_stable_when_logits_are_huge():
    x, y, W, b = _problem(dtype=np.float32)
    W *= 400  # logits far beyond float32 exp's range: the shifted path must take over
    dW, db = softmax.SoftmaxStep(x, y)(W, b)
    rW, rb = softmax.gradients(x.astype(np.float64), W.astype(np.float64), b.astype(np.float64), y)
    assert np.all(np.isfinite(dW))
    np.testing.assert_allclose(dW, rW, rtol=1e-3, atol=1e-2)
    np.testing.assert_allclose(db, rb, rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize("block_rows, workers", [(7, 1), (7, 3), (64, 2), (1000, 2)])
def test_blocked_step_is_independent_of_blocks_and_workers(block_rows, workers):
    x, y, W, b = _problem(n=50, dtype=np.float32)  # 50 rows: the last block is partial
    dW, db = softmax.SoftmaxStep(x, y, block_rows=block_rows, workers=workers)(W, b)
    rW, rb = softmax.gradients(x.astype(np.float64), W.astype(np.float64), b.astype(np.float64), y)
    np.testing.assert_allclose(dW, rW, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(db, rb, rtol=1e-4, atol=1e-5)


def _digits(n=300, seed=0):
    """Digit-like images: ink in a random box of a 28×28 frame, so supports differ by row."""
    rng = np.random.default_rng(seed)
    x = np.zeros((n, 28, 28), np.float32)
    for img in x:
        top, left = rng.integers(0, 14, 2)
        h, w = rng.integers(4, 14, 2)
        img[top : top + h, left : left + w] = rng.random((h, w)) * (rng.random((h, w)) < 0.7)
    x[:7] = 0  # blank images: a block may have no nonzero column at all
    return x.reshape(n, 784), rng.integers(0, 10, n)


def test_support_order_groups_rows_by_ink_box():
    x, _ = _digits()
    for shape in (None, (28, 28)):
        order = softmax.support_order(x, shape)
        np.testing.assert_array_equal(np.sort(order), np.arange(len(x)))
        blocks = [x[order[s : s + 32]] for s in range(0, len(x), 32)]
        shuffled = [x[s : s + 32] for s in range(0, len(x), 32)]

        def touched(bs):
            return np.mean([(b != 0).any(axis=0).sum() for b in bs])

        assert touched(blocks) < 0.8 * touched(shuffled)


@pytest.mark.parametrize("block_rows, workers", [(7, 1), (32, 2), (1024, 2)])
def test_step_skipping_blank_columns_is_exact(block_rows, workers):
    x, y = _digits()
    rng = np.random.default_rng(3)
    W = rng.normal(0, 0.05, (784, 10)).astype(np.float32)
    b = rng.normal(0, 0.1, 10).astype(np.float32)
    step = softmax.SoftmaxStep(x, y, block_rows=block_rows, workers=workers, image_shape=(28, 28))
    if block_rows <= 32:  # the point of the ordering: most columns are skipped
        assert step.columns_touched < 0.6
    dW, db = step(W, b)
    rW, rb = softmax.gradients(x.astype(np.float64), W.astype(np.float64), b.astype(np.float64), y)
    np.testing.assert_allclose(dW, rW, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(db, rb, rtol=1e-4, atol=1e-5)
    # Columns blank in every image get exactly zero gradient.
    blank = ~(x != 0).any(axis=0)
    assert blank.any() and not dW[blank].any()


def test_step_on_dense_rows_uses_every_column():
    x, y, W, b = _problem(dtype=np.float32)
    x[x == 0] = 0.5
    step = softmax.SoftmaxStep(x, y)
    assert step.columns_touched == 1.0
    rW, rb = softmax.gradients(x.astype(np.float64), W.astype(np.float64), b.astype(np.float64), y)
    np.testing.assert_allclose(step(W, b)[0], rW, rtol=1e-4, atol=1e-3)


def _row(rel_error):
    return gradcheck.GradCheckRow("W", (0, 1), 1.0, 1.0, rel_error)


def test_the_verdict_passes_up_to_the_tolerance_and_fails_beyond_it():
    rows = [_row(2e-8), _row(1e-7), _row(0.0)]
    assert gradcheck.verdict(rows, 1e-7, 100) == {
        "max_rel_error": 1e-7,
        "tolerance": 1e-7,
        "passed": True,
        "coordinates": 3,
        "examples": 100,
    }
    assert gradcheck.verdict(rows, 9.9e-8, 100)["passed"] is False
    assert gradcheck.verdict(rows[:1], 1e-7, 5)["max_rel_error"] == 2e-8


def test_the_gradient_check_job_writes_table_and_verdict_and_fails_out_of_tolerance(tmp_path):
    write_split(tmp_path / "split.npz")
    settings = {"examples": 50, "coords": 20, "h": 1e-5, "tolerance": 1e-7, "seed": 0}
    init = {"kind": "zeros", "seed": 0, "scale": 0.01}
    out = tmp_path / "gradcheck.tsv", tmp_path / "gradcheck.json"
    result = gradcheck.gradient_check_job(tmp_path / "split.npz", settings, init, *out)
    table = read_tsv(out[0])
    assert list(table[0]) == gradcheck.TABLE_COLUMNS and len(table) == 20 + 10
    assert result["passed"] and result["examples"] == 50 and result["coordinates"] == 30
    assert f"{result['max_rel_error']:.3e}" == max(table, key=lambda r: float(r["rel_error"]))["rel_error"]
    with pytest.raises(SystemExit, match="gradient check failed: max relative error"):
        gradcheck.gradient_check_job(tmp_path / "split.npz", {**settings, "tolerance": 1e-15}, init, *out)
    assert '"passed": false' in out[1].read_text()
