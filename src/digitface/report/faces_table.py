"""One table of the face classifiers' results beside the reference report's numbers.

Every accuracy stands beside its chance level and its sampling error (one binomial standard
error of a set of n faces), and the epoch each seed kept. A row is set against the reference's
number (the difference, with its standard error) only when it measured the same thing: real
photographs of the reference's six actors and, for the feature MLP, the reference's features.
Otherwise the row says why there is no comparison and what the reference got on its own data.
"""

from __future__ import annotations

import json
from pathlib import Path

from digitface import reference
from digitface.atomic import write_tsv
from digitface.report.numbers import chance, difference, pct, pct_mean_sd, se_pts

HEADER = [
    "experiment",
    "split",
    "ours (mean ± sd over seeds)",
    "reference",
    "difference",
    "sampling error",
    "n",
    "chance",
    "epoch kept",
    "data",
    "weights",
]
NAMES = {
    "mlp": "MLP on 64x64 RGB crops (600 ReLU, Adam)",
    "alexnet": "MLP on AlexNet features (600 ReLU, Adam)",
    "descriptor_mlp": "MLP on dlib face descriptors (600 ReLU, Adam)",
    "descriptor_linear": "linear softmax on dlib face descriptors (Adam)",
}


def epoch_note(summary: dict) -> str:
    """The epoch kept over seeds, and the seeds still improving when their epochs ran out."""
    kept = summary["chosen_epoch"]
    text = f"{kept['mean']:.1f} ± {kept['sd']:.1f} (at most {summary['max_epochs']})"
    still = summary["still_improving"]
    if still:
        text += (
            f"; {len(still)} of {len(summary['seeds'])} seeds kept their last epoch: still improving "
            f"(seeds {', '.join(map(str, still))})"
        )
    return text


def comparison(model: str, split: str, accuracy: float, n: int, not_comparable: str) -> tuple[str, str]:
    """(reference cell, difference cell) of one row."""
    ref = reference.FACES.get((model, split))
    if ref is None:
        return "", f"no comparison: {not_comparable}" if model.startswith("descriptor") else ""
    if not_comparable:
        return "", f"no comparison: {not_comparable}; the reference got {pct(ref)} on its own"
    return pct(ref), difference(accuracy, ref, n)


def _excluded_note(summary: dict) -> str:
    """The faces a feature set could not describe, left out of every seed's sets."""
    if "excluded" not in summary:
        return ""
    count = sum(summary["excluded"].values())
    if not count:
        return "; every face described"
    by_set = ", ".join(f"{n} {s}" for s, n in summary["excluded"].items() if n)
    return f"; {count} faces without a descriptor left out ({by_set}; the extraction's problems tables say why)"


def summary_rows(
    runs: dict[str, dict], data: str, weights: dict[str, str], n_classes: int, not_comparable: dict[str, str]
) -> list[list[str]]:
    """``runs``: {"mlp" | "alexnet": summary.json of summarize_face_runs}; ``not_comparable``:
    per model, why the reference's number does not apply ("" when it does)."""
    rows = []
    for model, summary in runs.items():
        for split in ("train", "validation", "test"):
            acc, n = summary[split]["accuracy"], summary["n"][split]
            ref, diff = comparison(model, split, acc["mean"], n, not_comparable.get(model, ""))
            rows.append(
                [
                    f"{NAMES[model]}, {len(summary['seeds'])} seeds",
                    split,
                    pct_mean_sd(acc["mean"], acc["sd"]),
                    ref,
                    diff,
                    se_pts(acc["mean"], n),
                    str(n),
                    chance(n_classes),
                    epoch_note(summary),
                    data + _excluded_note(summary),
                    weights.get(model, ""),
                ]
            )
    return rows


def write_summary_table(
    summaries: dict[str, str],
    table: str,
    data: str,
    weights: str,
    alexnet: dict,
    n_classes: int,
    not_comparable: dict[str, str],
    descriptor: str = "",
) -> None:
    """The summarize_faces job: each classifier's summary.json (``summaries``: by classifier; other
    names, such as the rule's other inputs, are passed over) -> metrics.tsv (``descriptor``:
    what the face-descriptor rows were computed with)."""
    given = dict(summaries.items())
    runs = {model: json.loads(Path(given[model]).read_text(encoding="utf-8")) for model in NAMES if model in given}
    described = {
        "alexnet": f"{weights}, layer {alexnet['layer']}, {alexnet['preprocess']} preprocessing, "
        f"chunks of up to {alexnet['chunk_size']} faces",
        "descriptor_mlp": descriptor,
        "descriptor_linear": descriptor,
    }
    write_tsv(table, HEADER, summary_rows(runs, data, described, n_classes, not_comparable))
