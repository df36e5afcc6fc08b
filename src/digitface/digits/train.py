"""Gradient descent, with or without momentum, on the softmax network.

One update rule covers both: ``v ← γ v + α ∇C``; ``θ ← θ - v`` (γ = 0 is plain gradient descent).
An optional L2 penalty ``(λ/2)‖W‖²`` (biases exempt) adds ``λW`` to the weight gradient; the
recorded costs stay the data cost (summed negative log-probabilities) so runs compare.
Every ``eval_every`` iterations the accuracy and cost of each evaluation split are recorded;
the iteration kept is the one with the best VALIDATION accuracy (ties: the earlier one), so the
test set never influences a choice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

from digitface.digits import softmax
from digitface.progress import Progress

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainSettings:
    learning_rate: float
    iterations: int
    gamma: float = 0.0
    eval_every: int = 10
    l2: float = 0.0


@dataclass
class TrainResult:
    W: np.ndarray
    b: np.ndarray
    best_iteration: int
    history: list[dict] = field(default_factory=list)

    def at(self, iteration: int) -> dict[str, dict[str, float]]:
        """``{split: {accuracy, cost, mean_cost}}`` recorded at ``iteration``."""
        rows = [r for r in self.history if r["iteration"] == iteration]
        return {r["split"]: {k: r[k] for k in ("accuracy", "cost", "mean_cost")} for r in rows}


def evaluate(x: np.ndarray, y: np.ndarray, W: np.ndarray, b: np.ndarray) -> dict[str, float]:
    o = softmax.logits(x, W, b)
    total = softmax.cost_from_logits(o, y)
    acc = float(np.mean(np.argmax(o, axis=1) == y))
    return {"accuracy": acc, "cost": total, "mean_cost": total / len(y)}


def _descend(step, W, b, settings: TrainSettings, iterations: int):
    """Apply ``iterations`` updates to ``W`` and ``b`` in place, yielding after each one."""
    vW, vb = np.zeros_like(W), np.zeros_like(b)
    alpha = W.dtype.type(settings.learning_rate)
    gamma = W.dtype.type(settings.gamma)
    l2 = W.dtype.type(settings.l2)
    progress = Progress(log, "iterations", iterations, interval=10.0)
    for it in range(1, iterations + 1):
        dW, db = step(W, b)
        if l2:
            dW += l2 * W
        vW *= gamma
        vW += alpha * dW
        vb *= gamma
        vb += alpha * db
        W -= vW
        b -= vb
        progress.advance()
        yield it


def _step(x: np.ndarray, y: np.ndarray, n_out: int, threads: int | None) -> softmax.SoftmaxStep:
    """The fast step; 784-pixel rows are 28×28 digits, whose ink bounding boxes order the rows."""
    shape = (28, 28) if x.shape[1] == 28 * 28 else None
    return softmax.SoftmaxStep(x, y, n_out=n_out, workers=threads, image_shape=shape)


def train(
    x_train: np.ndarray,
    y_train: np.ndarray,
    splits: dict[str, tuple[np.ndarray, np.ndarray]],
    W0: np.ndarray,
    b0: np.ndarray,
    settings: TrainSettings,
    threads: int | None = None,
) -> TrainResult:
    """Train from ``(W0, b0)``; ``splits`` must contain ``"validation"`` and is evaluated at
    iteration 0, every ``eval_every`` iterations, and at the last iteration."""
    if "validation" not in splits:
        raise ValueError("a 'validation' split is required to choose the iteration")
    step = _step(x_train, y_train, W0.shape[1], threads)
    W, b = W0.copy(), b0.copy()
    history: list[dict] = []
    best = (-1.0, 0, W.copy(), b.copy())

    def record(it: int) -> None:
        nonlocal best
        for name, (x, y) in splits.items():
            history.append({"iteration": it, "split": name, **evaluate(x, y, W, b)})
            if name == "validation" and history[-1]["accuracy"] > best[0]:
                best = (history[-1]["accuracy"], it, W.copy(), b.copy())

    record(0)
    for it in _descend(step, W, b, settings, settings.iterations):
        if it % settings.eval_every == 0 or it == settings.iterations:
            record(it)
    _, best_it, best_W, best_b = best
    log.info("best validation accuracy %.4f at iteration %d", best[0], best_it)
    return TrainResult(best_W, best_b, best_it, history)


def refit(
    x: np.ndarray,
    y: np.ndarray,
    W0: np.ndarray,
    b0: np.ndarray,
    settings: TrainSettings,
    iterations: int,
    threads: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Retrain from ``(W0, b0)`` on ``(x, y)`` (training + validation) for the number of
    iterations chosen on validation; no evaluation, so nothing here can peek at the test set."""
    W, b = W0.copy(), b0.copy()
    step = _step(x, y, W0.shape[1], threads)
    for _ in _descend(step, W, b, settings, iterations):
        pass
    return W, b
