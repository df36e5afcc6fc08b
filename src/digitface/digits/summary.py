"""One table of every digits result beside the reference report's number, where it has one."""

from __future__ import annotations

from .. import reference

HEADER = ["experiment", "metric", "split", "ours", "reference", "data"]


def _pct(x: float | None) -> str:
    return "" if x is None else f"{100 * x:.2f}%"


def summary_rows(
    split_info: dict, gradcheck: dict, runs: dict[str, dict], snapshot: dict | None = None
) -> list[list[str]]:
    """Rows for ``metrics.tsv``: accuracies at the validation-chosen iteration, the gradient
    check verdict and, if evaluated, the snapshot network's accuracy."""
    data = (
        "bundled sample (10,000 MNIST training images; test carved out of them)"
        if split_info["sample"]
        else f"full MNIST ({split_info['source']}; official test set)"
    )
    rows = []
    for opt, metrics in runs.items():
        it = metrics["chosen_iteration"]
        for split, values in metrics["at_chosen"].items():
            rows.append([
                f"softmax {opt} (iteration {it} of {metrics['settings']['iterations']})",
                "accuracy", split, _pct(values["accuracy"]),
                _pct(reference.DIGITS.get((opt, split))), data,
            ])
    rows.append([
        "gradient check (central differences, float64)", "max relative error",
        f"{gradcheck['coordinates']} coordinates", f"{gradcheck['max_rel_error']:.2e}",
        "agreement to 4-5 decimal places", "PASS" if gradcheck["passed"] else "FAIL",
    ])
    if snapshot:
        for split, acc in snapshot["accuracy"].items():
            rows.append(["snapshot50.pkl tanh network", "accuracy", split, _pct(acc), "", data])
    return rows
