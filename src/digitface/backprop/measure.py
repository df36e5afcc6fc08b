"""Time the three gradient methods over a grid of depths N and widths K, and fit exponents.

Each timing is the median of repeats (a method is timed only where it finishes in reasonable
time: path enumeration grows like K^N). Exponents are least-squares slopes of log(time)
against log(K) at fixed N; against N at fixed K the path method is exponential, so its fit is
the slope of log(time) against N, compared with log(K).
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from .network import METHODS, make_network

#: Cost models of the reference's argument (and, for backprop, of one example).
PREDICTED_K_EXPONENT = {"paths": None, "finite differences": 4.0, "backprop": 2.0}


def time_method(method: str, n_layers: int, width: int, repeats: int = 3) -> float:
    weights, x, t = make_network(n_layers, width)
    fn = METHODS[method]
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn(weights, x, t)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def max_disagreement(n_layers: int, width: int) -> dict[str, float]:
    """Largest relative difference of each method's gradient from backprop's."""
    weights, x, t = make_network(n_layers, width, seed=1)
    ref = np.concatenate([g.ravel() for g in METHODS["backprop"](weights, x, t)])
    out = {}
    for name in ("paths", "finite differences"):
        got = np.concatenate([g.ravel() for g in METHODS[name](weights, x, t)])
        out[name] = float(np.max(np.abs(got - ref)) / max(np.max(np.abs(ref)), 1e-300))
    return out


def loglog_slope(xs, ys) -> float:
    return float(np.polyfit(np.log(xs), np.log(ys), 1)[0])


def semilog_slope(xs, ys) -> float:
    return float(np.polyfit(xs, np.log(ys), 1)[0])


def run_grid(grid: dict, repeats: int = 3) -> list[dict]:
    """``grid``: {method: {"K": {"depth": N, "widths": [...]}, "N": {"width": K, "depths": [...]}}}.
    Returns rows {method, vary, n_layers, width, seconds}."""
    rows = []
    for method, spec in grid.items():
        for width in spec["K"]["widths"]:
            rows.append({"method": method, "vary": "K", "n_layers": spec["K"]["depth"], "width": width,
                         "seconds": time_method(method, spec["K"]["depth"], width, repeats)})
        for depth in spec["N"]["depths"]:
            rows.append({"method": method, "vary": "N", "n_layers": depth, "width": spec["N"]["width"],
                         "seconds": time_method(method, depth, spec["N"]["width"], repeats)})
    return rows


def fit_exponents(rows: list[dict], tail: int = 3) -> list[dict]:
    """Slopes over the ``tail`` largest sizes of each series (small sizes measure interpreter
    overhead, not the algorithm), beside the reference's predictions."""
    fits = []
    for method in dict.fromkeys(r["method"] for r in rows):
        k_rows = [r for r in rows if r["method"] == method and r["vary"] == "K"][-tail:]
        n_rows = [r for r in rows if r["method"] == method and r["vary"] == "N"][-tail:]
        depth, width = k_rows[0]["n_layers"], n_rows[0]["width"]
        k_slope = loglog_slope([r["width"] for r in k_rows], [r["seconds"] for r in k_rows])
        if method == "paths":
            n_fit = semilog_slope([r["n_layers"] for r in n_rows], [r["seconds"] for r in n_rows])
            fits.append({"method": method, "fit": f"time ∝ K^a at N={depth}", "measured": k_slope,
                         "predicted": float(depth), "prose": "O(N·K^N)"})
            fits.append({"method": method, "fit": f"time ∝ e^(b·N) at K={width}", "measured": n_fit,
                         "predicted": float(np.log(width)), "prose": "O(N·K^N): b = ln K"})
        else:
            n_slope = loglog_slope([r["n_layers"] for r in n_rows], [r["seconds"] for r in n_rows])
            predicted_n = 2.0 if method == "finite differences" else 1.0
            prose = "O(N²·K⁴)" if method == "finite differences" else "O(N·K²) one example; O(N·K³) for K examples"
            fits.append({"method": method, "fit": f"time ∝ K^a at N={depth}", "measured": k_slope,
                         "predicted": PREDICTED_K_EXPONENT[method], "prose": prose})
            fits.append({"method": method, "fit": f"time ∝ N^a at K={width}", "measured": n_slope,
                         "predicted": predicted_n, "prose": prose})
    return fits
