"""The three ways to a network's gradient (paths, finite differences, backpropagation) agree, and
backpropagation matches a directional derivative."""

import numpy as np
import pytest

from digitface.backprop.measure import max_disagreement
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
