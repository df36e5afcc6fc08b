"""One table of the face classifiers' results beside the reference report's numbers."""

from __future__ import annotations

from .. import reference

HEADER = ["experiment", "split", "ours (mean ± sd over seeds)", "reference", "n", "data", "weights"]


def _pct(stats: dict) -> str:
    return f"{100 * stats['mean']:.2f}% ± {100 * stats['sd']:.2f}"


def summary_rows(runs: dict[str, dict], data: str, weights: dict[str, str]) -> list[list[str]]:
    """``runs``: {"mlp" | "alexnet": summary.json of summarize_face_runs}."""
    names = {"mlp": "MLP on 64x64 RGB crops (600 ReLU, Adam)",
             "alexnet": "MLP on AlexNet features (600 ReLU, Adam)"}
    rows = []
    for model, summary in runs.items():
        for split in ("train", "validation", "test"):
            ref = reference.FACES.get((model, split))
            rows.append([
                f"{names[model]}, {len(summary['seeds'])} seeds", split,
                _pct(summary[split]["accuracy"]), "" if ref is None else f"{100 * ref:.2f}%",
                str(summary["n"][split]), data, weights.get(model, ""),
            ])
    return rows
