"""The two training jobs of the softmax network: the run whose iteration is chosen on
validation (:func:`train_softmax_job`), and the reference's protocol, a fixed number of
iterations on every training image with nothing chosen (:func:`reference_protocol_job`).

Both start from the configured initial weights and write what the summary table and the
figures read; what each metrics file says is assembled by :func:`selection_metrics` and
:func:`protocol_metrics`.
"""

from __future__ import annotations

import os
from typing import Mapping

from digitface.atomic import write_json, write_tsv
from digitface.digits import softmax
from digitface.digits.store import load_feature_splits, save_arrays, train_and_validation
from digitface.digits.train import TrainResult, TrainSettings, evaluate, refit, train

HISTORY_COLUMNS = ["iteration", "split", "accuracy", "cost", "mean_cost"]
#: Where each job's final model comes from, as its metrics name it.
SELECTION_RUN = "selection run"
REFIT = "refit on train + validation"
REFERENCE_PROTOCOL = "reference protocol: fixed iterations on train + validation, nothing selected"


def schedule_settings(schedule: Mapping, **changes) -> TrainSettings:
    """An optimizer's configured schedule as settings (a schedule without ``gamma`` is plain
    gradient descent)."""
    return TrainSettings(**{"gamma": 0.0, **schedule, **changes})


def selection_metrics(
    result: TrainResult, settings: TrainSettings, optimizer: str, init: str, refitted: bool, final: Mapping
) -> dict:
    """``metrics.json`` of a selection run: the iteration chosen on validation, every split at
    that iteration and at the last, and ``final``: the kept model's accuracies (the chosen
    iteration's, or the refit's on train + validation and test)."""
    return {
        "optimizer": optimizer,
        "settings": vars(settings),
        "init": init,
        "chosen_iteration": result.best_iteration,
        "chosen_on": "validation accuracy",
        "at_chosen": result.at(result.best_iteration),
        "at_last": result.at(settings.iterations),
        "model": REFIT if refitted else SELECTION_RUN,
        "final": dict(final),
    }


def protocol_metrics(settings: TrainSettings, optimizer: str, init: str, final: Mapping) -> dict:
    """``reference_protocol.json``: the last iteration's train (train + validation) and test accuracy."""
    return {
        "optimizer": optimizer,
        "settings": vars(settings),
        "init": init,
        "model": REFERENCE_PROTOCOL,
        "final": dict(final),
    }


def train_softmax_job(
    data: str | os.PathLike,
    schedule: Mapping,
    init: Mapping,
    refit_chosen: bool,
    optimizer: str,
    threads: int | None,
    history: str | os.PathLike,
    metrics: str | os.PathLike,
    weights: str | os.PathLike,
) -> dict:
    """The train_softmax job: train on the training images, keep the iteration best on
    validation, and with ``refit_chosen`` train again for that many iterations on train +
    validation (the test set is evaluated only on the model kept)."""
    splits = load_feature_splits(data)
    W0, b0 = softmax.init_params(**init)
    settings = schedule_settings(schedule)
    result = train(*splits["train"], splits, W0, b0, settings, threads=threads)
    W, b, final = result.W, result.b, result.at(result.best_iteration)
    if refit_chosen:
        x, y = train_and_validation(splits)
        W, b = refit(x, y, W0, b0, settings, result.best_iteration, threads=threads)
        final = {"train": evaluate(x, y, W, b), "test": evaluate(*splits["test"], W, b)}
    write_tsv(history, HISTORY_COLUMNS, [[r[c] for c in HISTORY_COLUMNS] for r in result.history])
    save_arrays(weights, W=W, b=b)
    out = selection_metrics(result, settings, optimizer, init["kind"], refit_chosen, final)
    write_json(metrics, out)
    return out


def reference_protocol_job(
    data: str | os.PathLike,
    schedule: Mapping,
    init: Mapping,
    iterations: int,
    optimizer: str,
    threads: int | None,
    metrics: str | os.PathLike,
) -> dict:
    """The train_softmax_fixed job: ``iterations`` on train + validation from the configured
    start, then the last iteration's accuracy on them and on the test set."""
    splits = load_feature_splits(data)
    x, y = train_and_validation(splits)
    W0, b0 = softmax.init_params(**init)
    settings = schedule_settings(schedule, iterations=iterations)
    W, b = refit(x, y, W0, b0, settings, iterations, threads=threads)
    out = protocol_metrics(
        settings, optimizer, init["kind"], {"train": evaluate(x, y, W, b), "test": evaluate(*splits["test"], W, b)}
    )
    write_json(metrics, out)
    return out
