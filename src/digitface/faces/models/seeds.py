"""One classifier trained once per seed: mean ± sd of its results, and of its learning curves.

The spread over seeds says how much a number can be trusted. These functions work on what the
training jobs write (each seed's ``metrics.json``, as :meth:`MLPResult.summary` gives it, and
its history rows), so the summarizing job needs neither the models nor torch.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

import numpy as np

from digitface.atomic import read_tsv, write_json
from digitface.faces.models.model_figures import learning_curve_figure
from digitface.plotting import save_figure


def mean_sd(values: Sequence[float]) -> dict:
    v = np.asarray(values, dtype=np.float64)
    return {
        "mean": float(v.mean()),
        "sd": float(v.std(ddof=1)) if len(v) > 1 else 0.0,
        "n": int(len(v)),
        "values": [float(x) for x in v],
    }


def summarize_runs(runs: Sequence[dict]) -> dict:
    """Mean and sample sd (ddof=1) over seeds of each split's accuracy and loss at the kept
    epoch, of the kept epoch itself and of the epochs run, and which seeds were still
    improving (kept their last epoch). ``runs``: one summary per seed, as
    :meth:`~digitface.faces.models.mlp_result.MLPResult.summary` gives it; ``n`` (faces per set), ``device``
    and the settings' ``epochs`` are carried over from the first."""
    if len(runs) < 2:
        raise ValueError("need at least two seeds for a standard deviation")
    out = {
        "seeds": [r["seed"] for r in runs],
        "chosen_epoch": mean_sd([r["chosen_epoch"] for r in runs]),
        "epochs_run": mean_sd([r["epochs_run"] for r in runs]),
        "max_epochs": runs[0]["settings"]["epochs"],
        "still_improving": [r["seed"] for r in runs if r["still_improving"]],
    }
    out.update({k: runs[0][k] for k in ("n", "device", "excluded") if k in runs[0]})
    for split in runs[0]["metrics"]:
        out[split] = {m: mean_sd([r["metrics"][split][m] for r in runs]) for m in ("accuracy", "loss")}
    return out


def history_band(histories: Sequence[Sequence[dict]], metric: str = "accuracy") -> list[dict]:
    """Per (epoch, split): mean and sd over the seeds that ran that epoch of ``metric`` (for a
    learning-curve band; seeds that stopped early leave it)."""
    values: dict[tuple[int, str], list[float]] = {}
    for history in histories:
        for row in history:
            values.setdefault((row["epoch"], row["split"]), []).append(row[metric])
    return [
        {"epoch": epoch, "split": split, **{k: v for k, v in mean_sd(vals).items() if k != "values"}}
        for (epoch, split), vals in sorted(values.items())
    ]


def median_run(runs: Sequence[dict]) -> int:
    """The position of the run whose kept epoch is the median (the upper one for an even
    count): the run a learning-curve figure shows."""
    return sorted(range(len(runs)), key=lambda i: (runs[i]["chosen_epoch"], i))[len(runs) // 2]


def curve_note(summary: dict, curve_faces: int, n_train: int) -> str:
    """What the learning-curve figure shows, in words under it."""
    kept = summary["chosen_epoch"]
    train = (
        f"all {n_train} training faces"
        if curve_faces >= n_train
        else f"a fixed sample of {curve_faces} of the {n_train} training faces"
    )
    still = summary["still_improving"]
    warning = f"; seeds {', '.join(map(str, still))} kept their last epoch: still improving" if still else ""
    return (
        f"{len(summary['seeds'])} seeds {summary['seeds']}; each keeps the epoch with the best validation "
        f"accuracy (▲; mean {kept['mean']:.1f}, at most {summary['max_epochs']} epochs, early stopping on "
        f"validation){warning}; train line: {train}"
    )


def read_history(path) -> list[dict]:
    """A training job's history.tsv as rows with numbers."""
    return [
        {"epoch": int(r["epoch"]), "split": r["split"], "accuracy": float(r["accuracy"]), "loss": float(r["loss"])}
        for r in read_tsv(path)
    ]


def write_seed_summary(metrics_paths: Sequence, history_paths: Sequence, summary_path, figure_path, title: str) -> dict:
    """The summarize_face_runs job: every seed's metrics.json and history.tsv -> summary.json
    and the learning-curve figure of the median seed with the band over seeds."""
    runs = [json.loads(Path(p).read_text(encoding="utf-8")) for p in metrics_paths]
    histories = [read_history(p) for p in history_paths]
    summary = summarize_runs(runs)
    write_json(summary_path, summary)
    shown = median_run(runs)
    note = curve_note(summary, runs[shown]["curve_faces"], runs[shown]["n"]["train"])
    fig = learning_curve_figure(
        histories[shown],
        runs[shown]["chosen_epoch"],
        band=history_band(histories),
        title=title,
        note=note,
        chosen=[r["chosen_epoch"] for r in runs],
        test=runs[shown]["metrics"].get("test", {}).get("accuracy"),
    )
    save_figure(fig, figure_path)
    return summary
