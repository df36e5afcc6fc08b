import numpy as np
import pytest

from digitface.backprop.measure import fit_exponents, max_disagreement, run_grid
from digitface.backprop.network import METHODS, cost, make_network


@pytest.mark.parametrize("n_layers, width", [(2, 3), (3, 3), (4, 5), (5, 2)])
def test_three_methods_agree(n_layers, width):
    diff = max_disagreement(n_layers, width)
    assert diff["paths"] < 1e-12  # the same chain rule, summed path by path
    assert diff["finite differences"] < 1e-7


def test_backprop_matches_a_directional_derivative():
    weights, x, t = make_network(4, 6, seed=3)
    grads = METHODS["backprop"](weights, x, t)
    rng = np.random.default_rng(0)
    direction = [rng.normal(size=W.shape) for W in weights]
    h = 1e-6
    plus = cost([W + h * d for W, d in zip(weights, direction)], x, t)
    minus = cost([W - h * d for W, d in zip(weights, direction)], x, t)
    expected = sum(float(np.sum(g * d)) for g, d in zip(grads, direction))
    assert (plus - minus) / (2 * h) == pytest.approx(expected, rel=1e-6)


def test_fits_recover_known_exponents():
    rows = []
    for K in (2, 4, 8, 16):
        rows += [{"method": "paths", "vary": "K", "n_layers": 4, "width": K, "seconds": 1e-6 * K**4},
                 {"method": "backprop", "vary": "K", "n_layers": 4, "width": K, "seconds": 3e-5 * K**2}]
    for N in (3, 4, 5, 6):
        rows += [{"method": "paths", "vary": "N", "n_layers": N, "width": 4, "seconds": 2e-6 * 4.0**N},
                 {"method": "backprop", "vary": "N", "n_layers": N, "width": 4, "seconds": 1e-4 * N}]
    fits = {(f["method"], f["fit"].split(" at")[0]): f for f in fit_exponents(rows)}
    assert fits[("paths", "time ∝ K^a")]["measured"] == pytest.approx(4.0)
    assert fits[("paths", "time ∝ e^(b·N)")]["measured"] == pytest.approx(np.log(4))
    assert fits[("backprop", "time ∝ K^a")]["measured"] == pytest.approx(2.0)
    assert fits[("backprop", "time ∝ N^a")]["measured"] == pytest.approx(1.0)


def test_grid_times_every_point():
    grid = {"paths": {"K": {"depth": 3, "widths": [2, 3]}, "N": {"width": 2, "depths": [3, 4]}}}
    rows = run_grid(grid, repeats=1)
    assert [(r["vary"], r["n_layers"], r["width"]) for r in rows] == [
        ("K", 3, 2), ("K", 3, 3), ("N", 3, 2), ("N", 4, 2)]
    assert all(r["seconds"] > 0 for r in rows)
