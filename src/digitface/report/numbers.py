"""Numbers as every results table writes them: percentages, binomial standard errors, "ours −
reference ± SE" and mean ± sd.

One home for the formats, so that an accuracy, its sampling error or its difference to the
reference reads the same in the run's TSVs, the report's pages and the tables of README.md and
docs/results.md, and a change of format is made once.
"""

from __future__ import annotations

from typing import Sequence


def pct(fraction: float | None, digits: int = 2) -> str:
    """``0.9185`` as ``"91.85%"`` (``digits`` decimals); "" for None (no number)."""
    return "" if fraction is None else f"{100 * fraction:.{digits}f}%"


def parse_pct(text: str) -> float:
    """0.9185 from "91.85%" or "91.85% ± 0.61"."""
    return float(text.split("%")[0]) / 100


def standard_error(accuracy: float, n: int) -> float:
    """One binomial standard error of an accuracy measured on ``n`` examples (NaN for none)."""
    return (accuracy * (1 - accuracy) / n) ** 0.5 if n else float("nan")


def se_pts(accuracy: float, n: int, digits: int = 2) -> str:
    """The standard error of ``accuracy`` on ``n`` examples in percentage points: "0.61 pts"."""
    return f"{100 * standard_error(accuracy, n):.{digits}f} pts"


def difference(ours: float, ref: float | None, n: int) -> str:
    """Ours minus the reference in percentage points, with our estimate's binomial standard
    error, so a reader can tell a real gap from the noise of a finite test set; "" without a
    reference."""
    if ref is None:
        return ""
    return f"{100 * (ours - ref):+.2f} pts (1 SE = {se_pts(ours, n)}, n = {n})"


def mean_sd(values: Sequence[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (n - 1; 0 for one value)."""
    mean = sum(values) / len(values)
    sd = (sum((v - mean) ** 2 for v in values) / (len(values) - 1)) ** 0.5 if len(values) > 1 else 0.0
    return mean, sd


def pct_mean_sd(mean: float, sd: float, digits: int = 2) -> str:
    """An accuracy's mean ± sd (over seeds) in percent: "91.85% ± 0.61"."""
    return f"{pct(mean, digits)} ± {100 * sd:.{digits}f}"


def chance(classes: int) -> str:
    """The accuracy of a guess among ``classes``: "16.67% (1 of 6)"."""
    return f"{pct(1 / classes)} (1 of {classes})"
