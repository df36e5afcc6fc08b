"""Which hidden units of a trained MLP make it call an image a given actor (reference part 9).

Rule: for input x and actor c, hidden unit j contributes

    contribution_j = a_j(x) * W_out[c, j],     a_j = ReLU(W_hidden[j] . x + b_j),

which is exactly unit j's additive share of actor c's logit (logit_c = sum_j contribution_j +
b_out[c]). The units with the largest contributions are the ones that push the image towards c.

What a unit learned: its incoming weights are mostly their random initialisation (Adam moves
each weight by about the learning rate per step), so a picture of the weights is a picture of
noise. The learned part is the weights minus their initial values (:func:`learned_change`,
the initial values are drawn again from the run's seed), shown beside the training face that
drives the unit most. :func:`span_fraction` says how much of a picture is made of training
faces: a random picture of D pixels lies about n/D in the span of n faces, a learned change
far more (the gradient of a hidden unit's weights is a sum of training images).

Why not the reference's rule (top activations after a softmax over the hidden activations):
the softmax is monotone, so that rule just ranks units by activation a_j. It ignores W_out, so a
strongly active unit whose outgoing weight to c is negative, i.e. one that argues AGAINST the
actor, ranks as high as one that argues for it; and a unit active for every face ranks high for
every actor. Weighting by W_out[c, j] fixes both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np
import torch

from digitface.faces.data.rows import Rows, as_rows
from digitface.faces.models.mlp_network import MLP, initial_state


@dataclass(frozen=True)
class UnitContribution:
    unit: int
    contribution: float  # activation * outgoing weight to the actor
    activation: float
    weight: float  # W_out[actor, unit]


def _model(model_or_state: MLP | Mapping[str, torch.Tensor]) -> MLP:
    if isinstance(model_or_state, MLP):
        return model_or_state
    return MLP.from_state_dict(model_or_state)


def contributions(model_or_state, image: np.ndarray, actor: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(contribution, activation, outgoing weight) of every hidden unit, each (H,), for one image.

    ``image`` is prepared as in training: uint8 pixels (any shape) are scaled to [-1, 1],
    float inputs are used as given.
    """
    model = _model(model_or_state)
    p = next(model.parameters())
    x = torch.from_numpy(Rows(np.asarray(image)[None]).take(np.array([0]))).to(p.device)
    with torch.inference_mode():
        act = model.hidden_activations(x)[0].double().cpu().numpy()
        w = model.out.weight[actor].double().cpu().numpy()
    return act * w, act, w


def top_units(model_or_state, image: np.ndarray, actor: int, k: int = 10) -> list[UnitContribution]:
    """The ``k`` units with the largest activation x outgoing weight to ``actor`` (largest first;
    ties: lower unit index). Only units with a positive contribution are returned, so the list
    may be shorter than ``k``: a unit that pushes away from the actor is never shown as evidence."""
    contrib, act, w = contributions(model_or_state, image, actor)
    order = np.lexsort((np.arange(len(contrib)), -contrib))
    return [
        UnitContribution(int(j), float(contrib[j]), float(act[j]), float(w[j])) for j in order[:k] if contrib[j] > 0
    ]


def reference_top_units(model_or_state, image: np.ndarray, k: int = 10) -> list[int]:
    """The reference's rule, for comparison only: top-k of softmax(hidden activations)."""
    _, act, _ = contributions(model_or_state, image, 0)
    soft = np.exp(act - act.max())
    soft /= soft.sum()
    return [int(j) for j in np.lexsort((np.arange(len(soft)), -soft))[:k]]


def weight_picture(
    weights: np.ndarray | torch.Tensor, size: int | None = None, scale: float | None = None
) -> np.ndarray:
    """A unit's incoming weights (S*S*3, pixel order of the flattened (S, S, 3) crop) as an RGB
    picture (S, S, 3) in [0, 1], symmetric around 0.5: zero weight is mid-grey, and +w and -w
    are equally far from it, so the sign stays readable. ``scale`` defaults to the unit's own
    largest |w|; pass a shared value to compare units on one scale."""
    w = weights.detach().cpu().numpy() if isinstance(weights, torch.Tensor) else np.asarray(weights)
    w = w.astype(np.float64).ravel()
    if size is None:
        size = int(round(np.sqrt(w.size / 3)))
    if size * size * 3 != w.size:
        raise ValueError(f"{w.size} weights are not an RGB picture of {size}x{size}")
    scale = float(np.abs(w).max()) if scale is None else float(scale)
    pic = 0.5 + 0.5 * w / scale if scale > 0 else np.full_like(w, 0.5)
    return np.clip(pic, 0.0, 1.0).reshape(size, size, 3)


def learned_change(
    state: Mapping[str, torch.Tensor], initial: Mapping[str, torch.Tensor], units: list[UnitContribution] | list[int]
) -> np.ndarray:
    """Each unit's incoming weights minus their initial values, (k, D)."""
    idx = [u.unit if isinstance(u, UnitContribution) else int(u) for u in units]
    return (state["hidden.weight"][idx] - initial["hidden.weight"][idx]).double().cpu().numpy()


def driving_images(
    state: Mapping[str, torch.Tensor], images, units: list[UnitContribution] | list[int], batch_size: int = 250
) -> list[int]:
    """For each unit, the position in ``images`` (raw crops: an array or :class:`Rows`, read a
    batch at a time) of the image that activates it most."""
    model = _model(state)
    idx = [u.unit if isinstance(u, UnitContribution) else int(u) for u in units]
    rows = as_rows(images)
    p = next(model.parameters())
    best = torch.full((len(idx),), -torch.inf)
    where = torch.zeros(len(idx), dtype=torch.int64)
    with torch.inference_mode():
        for a, b in rows.slices(batch_size):
            acts = model.hidden_activations(torch.from_numpy(rows.range(a, b)).to(p.device))[:, idx].cpu()
            top, arg = acts.max(0)
            better = top > best  # ties keep the earlier image
            best[better], where[better] = top[better], arg[better] + a
    return [int(i) for i in where]


#: The span measure uses at most this many training faces: with as many faces as pixels the
#: span is everything and the measure says nothing; its cost (a QR of pixels x faces) stays fixed.
SPAN_FACES = 1000


def span_sample(n: int, cap: int = SPAN_FACES) -> np.ndarray:
    """Positions of at most ``cap`` of ``n`` training faces, evenly spread (the index lists the
    faces actor by actor, so every actor is represented)."""
    return np.arange(n) if n <= cap else np.unique(np.linspace(0, n - 1, cap).round().astype(np.int64))


def span_fraction(pictures: np.ndarray, images: np.ndarray) -> np.ndarray:
    """For each picture (k, D): the share of its energy in the span of ``images`` (n, ...)
    prepared as in training; 1 means it is a weighted sum of those images."""
    basis = Rows(np.asarray(images)).take(np.arange(len(images))).astype(np.float64)  # (n, D)
    q, _ = np.linalg.qr(basis.T)  # (D, n): an orthonormal basis of the images' span
    pictures = np.atleast_2d(pictures).astype(np.float64)
    inside = (pictures @ q) ** 2
    return inside.sum(1) / np.maximum((pictures**2).sum(1), 1e-300)


@dataclass(frozen=True)
class UnitEvidence:
    """What the hidden-unit figure shows of each top unit, and how much of it is made of faces."""

    units: list[UnitContribution]
    changes: np.ndarray  # (k, D): each unit's weights minus their initial values
    drivers: list[int]  # per unit, the position among the training faces of the one that drives it most
    learned: np.ndarray  # per unit, the share of its change in the span of the sampled training faces
    untrained: np.ndarray  # the same for its initial weights: what chance alone gives
    span_faces: int  # how many training faces the span is measured on


def unit_evidence(
    state: Mapping[str, torch.Tensor], image: np.ndarray, actor: int, k: int, seed: int, train_faces: Rows
) -> UnitEvidence:
    """The ``k`` units that push ``image`` towards ``actor`` most (:func:`top_units`), what
    each learned (the initial weights drawn again from the run's ``seed``), the training face
    that drives each most, and how much of the learned and of the initial weights lies in the
    span of (a sample of) the training faces. ``train_faces``: the training crops, read by rows."""
    units = top_units(state, image, actor, k=k)
    hidden, n_inputs = state["hidden.weight"].shape
    initial = initial_state(seed, n_inputs, hidden, state["out.weight"].shape[0])
    changes = learned_change(state, initial, units)
    sample = span_sample(len(train_faces))
    faces = train_faces.take(sample)  # prepared as in training, as span_fraction reads them
    untrained = initial["hidden.weight"][[u.unit for u in units]].double().numpy()
    return UnitEvidence(
        units,
        changes,
        driving_images(state, train_faces, units),
        span_fraction(changes, faces),
        span_fraction(untrained, faces),
        len(sample),
    )
