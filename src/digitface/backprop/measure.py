"""Time the three gradient methods over a grid of depths N and widths K, and fit exponents.

Time is the CPU time of the calling thread (``time.thread_time``; BLAS kept to one thread by
the caller), not wall-clock time: the cost of the method itself, which other jobs sharing the
machine do not inflate the way they inflate a stopwatch. Every point of the grid is timed
``repeats`` times, in rounds (each round visits every point), so a slow spell of the machine
spreads over all points instead of bending one series. A point that takes less than
:data:`MIN_SECONDS` is called in a loop until it has taken that long, and its time is the
mean per call (timeit's autorange: a single call of a few microseconds measures the clock,
not the method).

Exponents are least-squares slopes of log(median time) against log(K) at fixed N; against N
at fixed K the path method is exponential, so its fit is the slope of log(time) against N,
compared with log(K). Each slope has a 95% confidence interval from a seeded bootstrap over
the repeats (each size's repeats resampled, the medians and the slope recomputed).

Timings mean something only for methods that compute the same gradient: the job
(:func:`measure_job`) checks that first and stops if they disagree (:func:`disagreeing`).
"""

from __future__ import annotations

import logging
import os
import statistics
import time
from typing import Mapping

import numpy as np
from threadpoolctl import threadpool_limits

from digitface.atomic import write_json, write_tsv
from digitface.backprop.network import METHODS, make_network

log = logging.getLogger(__name__)

#: Cost models of the reference's argument (and, for backprop, of one example).
PREDICTED_K_EXPONENT = {"paths": None, "finite differences": 4.0, "backprop": 2.0}
#: A timing shorter than this is repeated in a loop and averaged.
MIN_SECONDS = 0.02
BOOTSTRAP = 2000
#: The largest relative difference from backprop's gradient at which the methods agree.
AGREEMENT = 1e-6
TIMING_COLUMNS = ["method", "vary", "n_layers", "width", "repeat", "seconds"]
FIT_COLUMNS = ["method", "fit", "measured", "ci95", "predicted", "prose"]


def time_method(method: str, n_layers: int, width: int) -> float:
    """CPU seconds per call of ``method`` on an N-layer, K-unit network (autoranged)."""
    weights, x, t = make_network(n_layers, width)
    fn = METHODS[method]
    calls, start = 0, time.thread_time()
    while True:
        fn(weights, x, t)
        calls += 1
        elapsed = time.thread_time() - start
        if elapsed >= MIN_SECONDS:
            return elapsed / calls


def run_grid(grid: dict, repeats: int = 3) -> list[dict]:
    """``grid``: {method: {"K": {"depth": N, "widths": [...]}, "N": {"width": K, "depths": [...]}}}.
    Returns rows {method, vary, n_layers, width, repeat, seconds}, one per point and repeat."""
    points = []
    for method, spec in grid.items():
        points += [(method, "K", spec["K"]["depth"], w) for w in spec["K"]["widths"]]
        points += [(method, "N", d, spec["N"]["width"]) for d in spec["N"]["depths"]]
    rows = []
    for repeat in range(repeats):
        for method, vary, depth, width in points:
            rows.append(
                {
                    "method": method,
                    "vary": vary,
                    "n_layers": depth,
                    "width": width,
                    "repeat": repeat,
                    "seconds": time_method(method, depth, width),
                }
            )
    order = {p: i for i, p in enumerate(points)}
    return sorted(rows, key=lambda r: (order[(r["method"], r["vary"], r["n_layers"], r["width"])], r["repeat"]))


def medians(rows: list[dict]) -> list[dict]:
    """One row per point: the median of its repeats, and their minimum and maximum."""
    groups: dict[tuple, list[float]] = {}
    for r in rows:
        groups.setdefault((r["method"], r["vary"], r["n_layers"], r["width"]), []).append(r["seconds"])
    return [
        {
            "method": m,
            "vary": v,
            "n_layers": n,
            "width": k,
            "seconds": statistics.median(ts),
            "low": min(ts),
            "high": max(ts),
            "repeats": len(ts),
        }
        for (m, v, n, k), ts in groups.items()
    ]


def max_disagreement(n_layers: int, width: int) -> dict[str, float]:
    """Largest relative difference of each method's gradient from backprop's."""
    weights, x, t = make_network(n_layers, width, seed=1)
    ref = np.concatenate([g.ravel() for g in METHODS["backprop"](weights, x, t)])
    out = {}
    for name in ("paths", "finite differences"):
        got = np.concatenate([g.ravel() for g in METHODS[name](weights, x, t)])
        out[name] = float(np.max(np.abs(got - ref)) / max(np.max(np.abs(ref)), 1e-300))
    return out


def _series(rows: list[dict], method: str, vary: str, tail: int) -> dict[float, list[float]]:
    """The ``tail`` largest sizes of one series: size -> the seconds of its repeats."""
    sizes: dict[float, list[float]] = {}
    for r in rows:
        if r["method"] == method and r["vary"] == vary:
            sizes.setdefault(r["width"] if vary == "K" else r["n_layers"], []).append(r["seconds"])
    return dict(sorted(sizes.items())[-tail:])


def _slope(series: dict[float, list[float]], semilog: bool, rng: np.random.Generator | None = None) -> float:
    """Slope of log(median seconds) against log(size) (or size, ``semilog``); with ``rng``, of
    one bootstrap resample of each size's repeats."""
    xs = np.array(list(series), dtype=float)
    ys = [np.median(rng.choice(ts, len(ts)) if rng is not None else ts) for ts in series.values()]
    return float(np.polyfit(xs if semilog else np.log(xs), np.log(ys), 1)[0])


def _fit(rows: list[dict], method: str, vary: str, tail: int, semilog: bool = False) -> tuple[float, list[float]]:
    series = _series(rows, method, vary, tail)
    rng = np.random.default_rng(0)
    boot = [_slope(series, semilog, rng) for _ in range(BOOTSTRAP)]
    return _slope(series, semilog), [float(np.percentile(boot, 2.5)), float(np.percentile(boot, 97.5))]


def fit_exponents(rows: list[dict], tail: int = 3) -> list[dict]:
    """Slopes over the ``tail`` largest sizes of each series (small sizes measure interpreter
    overhead, not the algorithm), with 95% bootstrap intervals, beside the reference's
    predictions. ``rows``: one per point and repeat (:func:`run_grid`)."""
    fits = []
    for method in dict.fromkeys(r["method"] for r in rows):
        depth = next(r["n_layers"] for r in rows if r["method"] == method and r["vary"] == "K")
        width = next(r["width"] for r in rows if r["method"] == method and r["vary"] == "N")
        fits += _method_fits(rows, method, depth, width, tail)
    return fits


def _method_fits(rows: list[dict], method: str, depth: int, width: int, tail: int) -> list[dict]:
    """The method's two fits: time against the width K at depth N = ``depth``, and against N at
    K = ``width`` (exponential in N for the path sum, a power of N for the others)."""
    k = _fit(rows, method, "K", tail)
    if method == "paths":
        n = _fit(rows, method, "N", tail, semilog=True)
        return [
            _fit_row(method, f"time ∝ K^a at N={depth}", k, float(depth), "O(N·K^N)"),
            _fit_row(method, f"time ∝ e^(b·N) at K={width}", n, float(np.log(width)), "O(N·K^N): b = ln K"),
        ]
    n = _fit(rows, method, "N", tail)
    finite = method == "finite differences"
    prose = "O(N²·K⁴)" if finite else "O(N·K²) one example; O(N·K³) for K examples"
    return [
        _fit_row(method, f"time ∝ K^a at N={depth}", k, PREDICTED_K_EXPONENT[method], prose),
        _fit_row(method, f"time ∝ N^a at K={width}", n, 2.0 if finite else 1.0, prose),
    ]


def _fit_row(method: str, fit: str, measured: tuple[float, list[float]], predicted: float, prose: str) -> dict:
    slope, ci95 = measured
    return {"method": method, "fit": fit, "measured": slope, "ci95": ci95, "predicted": predicted, "prose": prose}


def disagreeing(agreement: Mapping[str, float], tolerance: float = AGREEMENT) -> list[str]:
    """The methods whose gradient differs from backprop's by more than ``tolerance``."""
    return [method for method, difference in agreement.items() if difference > tolerance]


def fit_rows(fits: list[dict]) -> list[list[str]]:
    """The rows of ``fits.tsv`` (:data:`FIT_COLUMNS`), numbers to two decimals."""
    return [
        [
            f["method"],
            f["fit"],
            f"{f['measured']:.2f}",
            f"{f['ci95'][0]:.2f} to {f['ci95'][1]:.2f}",
            f"{f['predicted']:.2f}",
            f["prose"],
        ]
        for f in fits
    ]


def measure_job(
    settings: Mapping, timings: str | os.PathLike, fits: str | os.PathLike, summary: str | os.PathLike
) -> dict:
    """The measure_backprop_cost job: the methods' agreement (SystemExit if they disagree),
    then the grid timed with BLAS on one thread (the methods' own cost, not how well BLAS
    spreads it over cores), the fitted exponents, and the summary the figure reads."""
    agreement = max_disagreement(settings["agreement"]["n_layers"], settings["agreement"]["width"])
    log.info("largest relative difference from backprop: %s", agreement)
    if disagreeing(agreement):
        raise SystemExit(f"gradient methods disagree: {agreement}")
    with threadpool_limits(1):
        rows = run_grid(settings["grid"], settings["repeats"])
    found = fit_exponents(rows)
    write_tsv(timings, TIMING_COLUMNS, [[r[c] for c in TIMING_COLUMNS] for r in rows])
    write_tsv(fits, FIT_COLUMNS, fit_rows(found))
    out = {
        "agreement": {**settings["agreement"], "max_rel_diff": agreement},
        "repeats": settings["repeats"],
        "fits": found,
        "points": medians(rows),
    }
    write_json(summary, out)
    return out
