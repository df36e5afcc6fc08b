"""A fully connected tanh network with N layers of K units (input and output included), and
three ways to get the gradient of its cost with respect to every weight.

The cost of one example is ``C = ½‖h_{N-1} - t‖²``; ``W[l]`` (K x K) maps layer ``l`` to layer
``l+1`` (``h_{l+1} = tanh(W[l] h_l)``, no biases: they change no exponent). The forward pass
is cached, as the reference's argument assumes.

- :func:`path_gradients`: for each weight separately, the chain rule summed over every path
  from the weight to the output — the reference's "compute each weight's gradient
  individually". A weight of layer ``l`` has ``K^(N-2-l)`` paths, so the whole gradient costs
  O(N·K^N) products.
- :func:`finite_difference_gradients`: for each weight, two forward passes (central
  differences): O(N·K²) per weight, O(N²·K⁴) in all.
- :func:`backprop_gradients`: backpropagation, vectorized: one matrix-vector product per layer
  for one example, O(N·K²) (O(N·K³) for a batch of K examples, the reference's count).
"""

from __future__ import annotations

import numpy as np


def make_network(n_layers: int, width: int, seed: int = 0):
    """Weights (scaled so activations neither vanish nor saturate), an input and a target."""
    rng = np.random.default_rng(seed)
    weights = [rng.normal(0, 1 / np.sqrt(width), (width, width)) for _ in range(n_layers - 1)]
    return weights, rng.normal(0, 1, width), rng.normal(0, 0.5, width)


def forward(weights: list[np.ndarray], x: np.ndarray) -> list[np.ndarray]:
    """Activations of every layer, input first."""
    h = [x]
    for W in weights:
        h.append(np.tanh(W @ h[-1]))
    return h


def cost(weights: list[np.ndarray], x: np.ndarray, t: np.ndarray) -> float:
    return 0.5 * float(np.sum((forward(weights, x)[-1] - t) ** 2))


def backprop_gradients(weights, x, t) -> list[np.ndarray]:
    h = forward(weights, x)
    delta = (h[-1] - t) * (1 - h[-1] ** 2)  # dC/d(pre-activation) of the output layer
    grads = [None] * len(weights)
    for layer in range(len(weights) - 1, -1, -1):
        grads[layer] = np.outer(delta, h[layer])
        if layer:
            delta = (weights[layer].T @ delta) * (1 - h[layer] ** 2)
    return grads


def path_gradients(weights, x, t) -> list[np.ndarray]:
    """Every weight on its own: sum over all paths to the output of the product of local
    derivatives (nothing is shared between weights, as in the reference's argument)."""
    h = forward(weights, x)
    n_out = len(weights)  # index of the output layer
    d_out = h[-1] - t  # dC/dh at the output
    slope = [1 - a**2 for a in h]  # tanh' at each layer (slope[0] unused)

    def paths(layer: int, unit: int) -> float:
        """dC/dh[layer][unit], by enumerating every path from this unit to the output."""
        if layer == n_out:
            return d_out[unit]
        total = 0.0
        for nxt in range(len(h[layer + 1])):
            total += weights[layer][nxt, unit] * slope[layer + 1][nxt] * paths(layer + 1, nxt)
        return total

    grads = []
    for layer, W in enumerate(weights):
        g = np.empty_like(W)
        for j in range(W.shape[0]):
            for i in range(W.shape[1]):
                g[j, i] = paths(layer + 1, j) * slope[layer + 1][j] * h[layer][i]
        grads.append(g)
    return grads


def finite_difference_gradients(weights, x, t, h: float = 1e-6) -> list[np.ndarray]:
    grads = []
    for W in weights:
        g = np.empty_like(W)
        for index in np.ndindex(W.shape):
            original = W[index]
            W[index] = original + h
            plus = cost(weights, x, t)
            W[index] = original - h
            minus = cost(weights, x, t)
            W[index] = original
            g[index] = (plus - minus) / (2 * h)
        grads.append(g)
    return grads


METHODS = {
    "paths": path_gradients,
    "finite differences": finite_difference_gradients,
    "backprop": backprop_gradients,
}
