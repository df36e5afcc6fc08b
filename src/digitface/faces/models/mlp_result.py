"""What one MLP run is asked for (:class:`MLPSettings`) and what it gives back (:class:`MLPResult`).

Its own module: the settings are the schema's ``mlp`` block (a test checks their defaults
against it), and the result is what the training jobs write (history, metrics, weights) and
what :mod:`digitface.faces.models.mlp` returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from digitface.faces.models.mlp_network import MLP


@dataclass(frozen=True)
class MLPSettings:
    hidden: int = 600
    learning_rate: float = 1e-4
    batch_size: int = 20
    epochs: int = 50  # at most
    patience: int = 10  # epochs without a better validation result before stopping
    curve_faces: int = 1000  # training faces evaluated every epoch for the learning curve
    eval_batch_size: int = 250  # memory per job stays flat: a batch, not a set
    n_classes: int | None = None  # None: 1 + the largest label seen
    threads: int | None = None  # CPU threads while training; None: torch's current setting
    standardize: bool = False  # inputs to zero mean, unit variance per feature (training-set statistics)


@dataclass
class MLPResult:
    """A trained network at the validation-chosen epoch, and how it got there."""

    state_dict: dict[str, torch.Tensor]  # CPU tensors, at ``chosen_epoch``
    history: list[dict]  # {"epoch", "split", "accuracy", "loss"} rows, validation and the curve sample
    chosen_epoch: int
    epochs_run: int
    metrics: dict[str, dict[str, float]]  # {split: {"accuracy", "loss"}} of the kept weights, whole sets
    last: dict[str, dict[str, float]]  # validation and the curve sample after the last epoch
    seed: int
    settings: dict = field(default_factory=dict)
    curve_faces: int = 0  # training faces behind the curve's train line
    device: str = "cpu"
    seconds: dict[str, float] = field(default_factory=dict)  # total, training, evaluation

    @property
    def still_improving(self) -> bool:
        """The kept epoch is the last one run: more epochs might have done better."""
        return self.chosen_epoch == self.epochs_run

    def model(self) -> MLP:
        return MLP.from_state_dict(self.state_dict)

    def summary(self) -> dict:
        """Everything but the weights and the history, JSON-ready."""
        return {
            "seed": self.seed,
            "chosen_epoch": self.chosen_epoch,
            "epochs_run": self.epochs_run,
            "still_improving": self.still_improving,
            "metrics": self.metrics,
            "last": self.last,
            "settings": self.settings,
            "curve_faces": self.curve_faces,
            "device": self.device,
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
        }
