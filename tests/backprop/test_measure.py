"""Timing the gradient methods: the grid in rounds, fast calls in a loop, fitted exponents with
their intervals, and a measuring job that times only methods that agree."""

import json

import numpy as np
import pytest

from digitface.atomic import read_tsv
from digitface.backprop.figures import plot_cost
from digitface.backprop.measure import disagreeing, fit_exponents, measure_job, medians, run_grid


def test_fits_recover_known_exponents_and_bracket_them():
    rows = []
    for repeat, noise in enumerate((1.0, 1.02, 0.98)):
        for K in (2, 4, 8, 16):
            rows += [
                {
                    "method": "paths",
                    "vary": "K",
                    "n_layers": 4,
                    "width": K,
                    "repeat": repeat,
                    "seconds": 1e-6 * K**4 * noise,
                },
                {
                    "method": "backprop",
                    "vary": "K",
                    "n_layers": 4,
                    "width": K,
                    "repeat": repeat,
                    "seconds": 3e-5 * K**2 * noise,
                },
            ]
        for N in (3, 4, 5, 6):
            rows += [
                {
                    "method": "paths",
                    "vary": "N",
                    "n_layers": N,
                    "width": 4,
                    "repeat": repeat,
                    "seconds": 2e-6 * 4.0**N * noise,
                },
                {
                    "method": "backprop",
                    "vary": "N",
                    "n_layers": N,
                    "width": 4,
                    "repeat": repeat,
                    "seconds": 1e-4 * N * noise,
                },
            ]
    fits = {(f["method"], f["fit"].split(" at")[0]): f for f in fit_exponents(rows)}
    for key, exponent in {
        ("paths", "time ∝ K^a"): 4.0,
        ("paths", "time ∝ e^(b·N)"): np.log(4),
        ("backprop", "time ∝ K^a"): 2.0,
        ("backprop", "time ∝ N^a"): 1.0,
    }.items():
        fit = fits[key]
        assert fit["measured"] == pytest.approx(exponent), key
        low, high = fit["ci95"]
        assert low <= exponent <= high and high - low < 0.2, key


def test_grid_times_every_point_in_rounds():
    grid = {"paths": {"K": {"depth": 3, "widths": [2, 3]}, "N": {"width": 2, "depths": [3, 4]}}}
    rows = run_grid(grid, repeats=2)
    assert [(r["vary"], r["n_layers"], r["width"], r["repeat"]) for r in rows] == [
        ("K", 3, 2, 0),
        ("K", 3, 2, 1),
        ("K", 3, 3, 0),
        ("K", 3, 3, 1),
        ("N", 3, 2, 0),
        ("N", 3, 2, 1),
        ("N", 4, 2, 0),
        ("N", 4, 2, 1),
    ]
    assert all(r["seconds"] > 0 for r in rows)
    points = medians(rows)
    assert len(points) == 4 and all(p["low"] <= p["seconds"] <= p["high"] and p["repeats"] == 2 for p in points)


def test_a_fast_call_is_timed_in_a_loop(monkeypatch):
    """A method of a few microseconds is called until MIN_SECONDS have passed (autorange)."""
    from digitface.backprop import measure

    calls = []
    monkeypatch.setitem(measure.METHODS, "backprop", lambda *args: calls.append(1))
    seconds = measure.time_method("backprop", 3, 4)
    assert len(calls) > 10 and seconds * len(calls) >= measure.MIN_SECONDS


def test_methods_agree_up_to_the_tolerance():
    assert disagreeing({"paths": 1e-9, "finite differences": 1e-6}) == []
    assert disagreeing({"paths": 1e-9, "finite differences": 2e-6}) == ["finite differences"]
    assert disagreeing({"paths": 0.1}, tolerance=0.5) == []


def test_the_measuring_job_times_only_methods_that_agree(tmp_path, monkeypatch):
    from digitface.backprop import measure

    series = {"K": {"depth": 3, "widths": [2, 3]}, "N": {"width": 2, "depths": [3, 4]}}
    grid = {"paths": series, "backprop": series}
    settings = {"agreement": {"n_layers": 3, "width": 3}, "repeats": 2, "grid": grid}
    out = tmp_path / "timings.tsv", tmp_path / "fits.tsv", tmp_path / "summary.json"
    summary = measure_job(settings, *out)
    assert summary["agreement"]["width"] == 3 and not disagreeing(summary["agreement"]["max_rel_diff"])
    assert len(read_tsv(out[0])) == 2 * 8 and len(summary["points"]) == 2 * 4
    fits = read_tsv(out[1])
    assert [f["method"] for f in fits] == ["paths", "paths", "backprop", "backprop"]
    assert fits[0]["ci95"] == f"{summary['fits'][0]['ci95'][0]:.2f} to {summary['fits'][0]['ci95'][1]:.2f}"
    assert json.loads(out[2].read_text()) == json.loads(json.dumps(summary))
    plot_cost(out[2], tmp_path / "cost.png")  # the figure job reads what this one wrote
    assert (tmp_path / "cost.png").read_bytes().startswith(b"\x89PNG")

    right = measure.METHODS["backprop"]
    monkeypatch.setitem(measure.METHODS, "paths", lambda *args: [g * 1.01 for g in right(*args)])
    with pytest.raises(SystemExit, match="gradient methods disagree"):
        measure_job(settings, *(tmp_path / f"wrong_{p.name}" for p in out))
    assert not (tmp_path / "wrong_timings.tsv").exists()
