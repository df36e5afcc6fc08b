"""The measured tables of README.md and docs/results.md, generated from the committed results
in benchmarks/results/.

    python tools/readme_tables.py --write   # rewrite the tables in README.md and docs/results.md
    python tools/readme_tables.py --check   # exit 1 if either file differs from the results

Each table sits between ``<!-- table:NAME -->`` and ``<!-- /table:NAME -->`` in the file that
:data:`FILES` names for it: the short ``headline`` table in README.md, every other one (NAME one
of :data:`TABLES`) in docs/results.md. A test runs the check, so no measured number in either
file is typed by hand.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import yaml

from digitface.faces.data.split import SplitSettings
from digitface.faces.models.summary import standard_error

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
README = REPO / "README.md"
RESULTS_DOC = REPO / "docs" / "results.md"

#: The reference's prediction for each fit, in the words of its prose.
PROSE = {
    ("paths", "K"): "4 (O(N·K^N))",
    ("paths", "N"): "ln 4 = 1.39",
    ("finite differences", "K"): "4 (O(N²·K⁴))",
    ("finite differences", "N"): "2",
    ("backprop", "K"): "2 for one example (the prose's K³ counts a batch of K examples)",
    ("backprop", "N"): "1",
}
METHOD = {
    "paths": "chain-rule paths, each weight separately",
    "finite differences": "finite differences, each weight separately",
    "backprop": "backpropagation (vectorized)",
}


def backprop_table(result: dict) -> str:
    lines = ["| method | fit | measured (95% interval) | the reference's prose predicts |", "|---|---|---|---|"]
    for f in result["fits"]:
        vary = "K" if "K^a" in f["fit"] else "N"
        lines.append(
            f"| {METHOD[f['method']]} | {f['fit']} | {f['measured']:.2f} "
            f"({f['ci95'][0]:.2f} to {f['ci95'][1]:.2f}) | {PROSE[(f['method'], vary)]} |"
        )
    m = result["machine"]
    lines.append("")
    lines.append(
        f"CPU time of one thread, median of {result['repeats']} repeats per point, slopes over the "
        f"three largest sizes of each series; measured on {m['cpu']} ({m['cores']} cores), "
        f"{m['date'][:10]}, by `python -m benchmarks.bench_backprop` "
        "(`benchmarks/results/backprop_cost.json`)."
    )
    return "\n".join(lines)


def _measured_on(result: dict) -> str:
    m = result["machine"]
    return f"{m['cpu']}, {m['cores']} cores, {m['date'][:10]}"


def performance_table(results: dict[str, dict]) -> str:
    lines = ["| benchmark | command | measured | target |", "|---|---|---|---|"]
    s = results["softmax_step"]
    med, ratio = s["median_s"], s["ratios"]
    lines.append(
        f"| one full-batch softmax step, {s['images']:,} images | `python -m benchmarks.bench_softmax_step` | "
        f"ours {1e3 * med['ours']:.1f} ms; bare GEMM pair {1e3 * med['gemm']:.1f} ms; the seed's float64 "
        f"formulation {1e3 * med['seed']:.1f} ms (medians of {s['rounds']} rounds × {s['repeats']} steps). "
        f"ours / GEMM pair = {ratio['ours_over_gemm']:.2f}; seed / ours = {ratio['seed_over_ours']:.1f} | ≤ 1.3; ≥ 3 |"
    )
    d = results["download"]
    c = d["contenders"]
    faults = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in d["faults"].items())
    contenders = "; ".join(
        f"{name} {c[name]['wall_s']:.1f} s ({len(c[name]['verified'])} images verified)"
        + (f", **{d['ratios'][name + '_over_ours']:.1f}×** ours' time" if name != "ours" else "")
        for name in ("ours", "img2dataset", "course")
        if name in c
    )
    lines.append(
        f"| FaceScrub download, six actors' {d['urls']:,} URLs of the 2018 replica ({faults}), "
        f"{1e3 * d['latency_s']:.0f} ms latency, every contender capped at {d['timeout_s']:g} s per URL, every URL "
        f"run | `python -m benchmarks.bench_download` | {contenders}; same verified set as img2dataset: "
        f"{d['same_verified_set'].get('img2dataset')} | ≥ 20× the course's approach, ≥ 5× img2dataset |"
    )
    a = results["alexnet_chunk"]
    rss = a["rss_median_mib"]
    t = a["throughput"]
    job = f"job of {a['chunks_per_job']} chunks"
    lines.append(
        f"| AlexNet extraction job ({a['chunks_per_job']} chunks of {a['chunk']} images) as Snakemake runs it, a "
        f"process with its start-up, against the forward pass in a warm process | "
        f"`python -m benchmarks.bench_alexnet_chunk` | {t['median_per_cpu_s'][job]:.0f} vs "
        f"{t['median_per_cpu_s']['in-process limit']:.0f} images per CPU-second: **{t['over_limit'][job]:.2f}×**; "
        f"a job of one chunk (the design before): {t['over_limit']['job of 1 chunk']:.2f}× (medians of "
        f"{a['repeats']} alternating repeats, {t['threads']} threads, CPU of every thread) | ≥ 0.85× |"
    )
    lines.append(
        f"| chunk job peak RSS with a crops file of {a['chunk']} vs {10 * a['chunk']:,} images | same | "
        f"{rss['small']:.1f} MiB vs {rss['big']:.1f} MiB ({100 * (rss['big'] / rss['small'] - 1):+.1f}%) | "
        "equal within 10% |"
    )
    li = results["lists"]
    lines.append(
        f"| parse a FaceScrub-size list ({li['rows']:,} rows, {li['identities']} identities) | "
        f"`python -m benchmarks.bench_lists` | {li['rows_per_s']:,.0f} rows/s | |"
    )
    default, quick = results["run_default"], results["run_quick"]
    lines.append(
        f"| first `snakemake --cores {default['cores']}` of a fresh clone (the sample) | "
        f"`python -m benchmarks.bench_runs` | {default['first_run']['wall_s']:.0f} s wall, "
        f"**{default['first_run']['cpu_s']:.0f} CPU-seconds** | ≤ 300 CPU-seconds |"
    )
    lines.append(f"| the same again: nothing to do | same | {default['rerun']['wall_s']:.1f} s wall | ≤ 3 s |")
    lines.append(
        f"| `snakemake --cores {quick['cores']} --configfile configs/quick.yaml`, every rule | same | "
        f"{quick['first_run']['wall_s']:.0f} s wall, {quick['first_run']['cpu_s']:.0f} CPU-seconds | under a minute |"
    )
    lines.append("")
    lines.append(
        _measured_where(results) + " Each file in `benchmarks/results/` holds every repeat, the machine "
        "and the versions."
    )
    return "\n".join(lines)


def _measured_where(results: dict[str, dict]) -> str:
    """ "Measured on <machine, day> (<files>); ..." for results measured on one or more machines."""
    where: dict[str, list[str]] = {}  # machine and day -> the results measured there
    for name, result in results.items():
        where.setdefault(_measured_on(result), []).append(f"`{name}.json`")
    when = sorted(where) if len(where) == 1 else sorted(f"{m} ({', '.join(n)})" for m, n in where.items())
    return "Measured on " + "; ".join(when) + "."


def run_results_table(result: dict) -> str:
    """A run's summary table (every result beside the reference's) as docs/results.md shows it."""
    lines = ["| result | set | ours | reference | difference, or note |", "|---|---|---|---|---|"]
    for row in result["metrics"]:
        lines.append(f"| {row['experiment']} | {row['split']} | {row['ours']} | {row['reference']} | {row['note']} |")
    lines.append("")
    command = "snakemake --cores 4" + (
        f" --configfile {result['configfile']}" if result["configfile"] != "config.yaml" else ""
    )
    lines.append(
        f"The run `{result['run']}` (`{command}`: {result['first_run']['wall_s'] / 60:.1f} min, "
        f"{result['first_run']['cpu_s']:.0f} CPU-seconds) as recorded by `python -m benchmarks.bench_runs` "
        f"on {_measured_on(result)} (`benchmarks/results/run_{result['run']}.json`)."
    )
    return "\n".join(lines)


#: Rules of the faces part, in the order a run meets them.
STAGES = [
    "index_face_lists",
    "download_batch",
    "crop_batch",
    "split_faces",
    "extract_alexnet_chunks",
    "train_face_mlp",
    "train_alexnet_mlp",
    "plot_hidden_units",
]
#: The stages set beside an in-process limit: (name, what the workflow's rate counts, its target key).
RATED = {
    "download": ("download", "requests", None),
    "crop": ("verify + decode + crop + resize + encode", "images", "crop_over_limit"),
    "extraction": ("AlexNet features", "images", "extraction_over_limit"),
    "train_face_mlp": ("MLP on 64×64 crops", "training faces × epochs", None),
    "train_alexnet_mlp": ("MLP on AlexNet features", "training faces × epochs", None),
}
MODELS = {"train_face_mlp": "MLP on 64×64 crops", "train_alexnet_mlp": "MLP on AlexNet features"}


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min"


def _mean_sd(values: list[float]) -> tuple[float, float]:
    mean = sum(values) / len(values)
    sd = (sum((v - mean) ** 2 for v in values) / (len(values) - 1)) ** 0.5 if len(values) > 1 else 0.0
    return mean, sd


def scale_table(result: dict) -> str:
    sizes = result["sizes"]
    targets = result["targets"]
    lines = [
        "| identities | list rows | faces cropped | jobs | wall | CPU, all jobs and Snakemake | CPU per face "
        "| the same at every stage's limit | run / limits | largest job's peak RSS | Snakemake's own CPU, "
        "share of wall | no-op replan | disk |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for size in sizes:
        run = size["run"]
        rss = max(st["peak_rss_mb"] for st in size["stages"].values())
        lines.append(
            f"| {size['identities']} | {size['rows']:,} | {size['cropped_faces']:,} | {size['jobs']} "
            f"| {_minutes(run['wall_s'])} | {_minutes(run['cpu_s'])} | {size['cpu_per_face_s']:.3f} s "
            f"| {size['limits_cpu_per_face_s']:.3f} s | {size['cpu_over_limits']:.2f} | {rss:,.0f} MB "
            f"| {100 * size['snakemake_share']:.1f}% | {size['plan_s']:.1f} s | {size['disk_mb']:,.0f} MB |"
        )

    lines += [
        "",
        "| stage | work counted | "
        + " | ".join(f"{s['identities']} identities: workflow, limit, ratio" for s in sizes)
        + " | target |",
        "|---|---|" + "---|" * (len(sizes) + 1),
    ]
    for stage, (name, unit, target) in RATED.items():
        cells = [
            f"{s['rates'][stage]['workflow_per_cpu_s']:,.0f}, {s['rates'][stage]['limit_per_cpu_s']:,.0f}, "
            f"**{s['rates'][stage]['ratio']:.2f}**"
            for s in sizes
        ]
        goal = f"≥ {targets[target]}" if target else ""
        lines.append(f"| {name} | {unit} per CPU-second | " + " | ".join(cells) + f" | {goal} |")
    lines.append(
        "| download, its span (waiting on the web) | first request to last answer | "
        + " | ".join(
            f"{s['rates']['download']['span_s']:.0f} s, bound {s['rates']['download']['bound_s']:.0f} s, "
            f"**{s['rates']['download']['span_over_bound']:.2f}**"
            for s in sizes
        )
        + " | ≤ 1 |"
    )

    lines += [
        "",
        "| identities | classifier | test accuracy, mean ± sd over seeds | 1 SE of one seed's | chance "
        "| epoch kept (each seed) | epochs run | still improving |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for size in sizes:
        for rule, name in MODELS.items():
            seeds = size["training"][rule]["seeds"]
            mean, sd = _mean_sd([r["test"] for r in seeds])
            n = seeds[0]["n"]["test"]
            se = standard_error(mean, n)
            still = [str(r["seed"]) for r in seeds if r["still_improving"]]
            lines.append(
                f"| {size['identities']} | {name} | {100 * mean:.2f}% ± {100 * sd:.2f} | {100 * se:.2f} pts "
                f"(n = {n:,}) | {100 / size['actors']:.2f}% (1 of {size['actors']}) | "
                + ", ".join(str(r["chosen_epoch"]) for r in seeds)
                + f" | {', '.join(str(r['epochs_run']) for r in seeds)} (at most "
                f"{size['settings']['mlp' if rule == 'train_face_mlp' else 'alexnet_mlp']['epochs']}) | "
                + (f"seeds {', '.join(still)}" if still else "none")
                + " |"
            )

    lines += [
        "",
        "| stage | " + " | ".join(f"{s['identities']} identities: jobs, CPU, peak RSS" for s in sizes) + " |",
        "|---|" + "---|" * len(sizes),
    ]
    for stage in STAGES:
        cells = []
        for size in sizes:
            st = size["stages"].get(stage)
            cells.append(f"{st['jobs']}, {st['cpu_s']:,.0f} s, {st['peak_rss_mb']:,.0f} MB" if st else "")
        lines.append(f"| {stage} | " + " | ".join(cells) + " |")

    def verdict(size: dict) -> str:
        met = size["targets_met"]
        missed = [k for k, ok in met.items() if not ok]
        return f"{size['identities']} identities: " + (
            "every target met" if not missed else "NOT met: " + ", ".join(missed)
        )

    settings = sizes[-1]["settings"]
    lines += [
        "",
        f"3 seeds, {result['rows_per_identity']} list rows per identity, "
        f"{result['actors_per_job']} identities per download and crop job, the web answering after "
        f"{1000 * result['latency_s']:.0f} ms; face MLP {settings['mlp']}, feature MLP {settings['alexnet_mlp']}; "
        "AlexNet conv5 with random weights (the faces are synthetic), features stored as float16. "
        f"Targets (wall ≤ {targets.get('wall_min', 60)} min at 530 identities; extraction ≥ "
        f"{targets['extraction_over_limit']}× its limit; cropping ≥ {targets['crop_over_limit']}×; the run's CPU "
        f"per face ≤ {targets['cpu_over_limits']}× the stage limits'; download span ≤ its bound; every job's "
        f"peak RSS ≤ {targets['peak_rss_mb']:,} MB): "
        + "; ".join(verdict(s) for s in sizes)
        + f". Measured on {_measured_on(result)} by `python -m benchmarks.bench_scale` "
        "(`benchmarks/results/scale.json`; CPU and peak RSS of every job from the line its log ends with, "
        "every thread counted).",
    ]
    return "\n".join(lines)


def scheduler_table(result: dict) -> str:
    sides = result["sides"]
    lines = ["| settings | wall | Snakemake's own CPU | share of wall |", "|---|---|---|---|"]
    subsample = result["profile_settings"].get("scheduler-subsample")
    labels = (
        ("workflow", "as this workflow runs: the profile and one pending re-evaluation timer (`digitface.scheduling`)"),
        ("profile", f"`profiles/default` alone (greedy, `scheduler-subsample: {subsample}`)"),
        ("defaults", "Snakemake's defaults (`--workflow-profile none`)"),
    )
    for name, label in labels:
        wall = sum(r["wall_s"] for r in sides[name])
        cpu = sum(r["snakemake_cpu_s"] for r in sides[name])
        lines.append(f"| {label} | {wall:.1f} s | {cpu:.1f} s | {100 * cpu / wall:.1f}% |")
    lines += [
        "",
        f"{result['jobs']} jobs of {result['job_seconds']:g} s, all ready at once, on {result['cores']} cores, "
        f"{result['rounds']} round(s); Snakemake's own CPU against its defaults: "
        f"as the workflow runs {result['cpu_ratio_workflow_over_defaults']:.2f}, "
        f"the profile alone {result['cpu_ratio_profile_over_defaults']:.2f}. "
        f"Measured on {_measured_on(result)} by `python -m benchmarks.bench_scheduler` "
        "(`benchmarks/results/scheduler.json`).",
    ]
    return "\n".join(lines)


def slurm_table(result: dict) -> str:
    walls = result["wall_s"]
    lines = [
        "| where | wall | data products compared byte for byte | differing | classifier metrics equal |",
        "|---|---|---|---|---|",
    ]
    for where, label in (("local", "one machine (`--cores 2`)"), ("slurm", "SLURM, one-node cluster on localhost")):
        lines.append(
            f"| {label} | {walls[where] / 60:.1f} min | {len(result['products_compared']):,} | "
            f"{len(result['products_differing'])} | {'yes' if result['metrics_equal'] else 'NO'} |"
        )
    per_job = result["actors_per_job"]
    lines += [
        "",
        f"{result['identities']} identities × {result['rows_per_identity']} list rows, "
        f"{per_job} actor{'s' if per_job > 1 else ''} per job; measured on "
        f"{_measured_on(result)} by `python -m benchmarks.bench_slurm_scale` (`benchmarks/results/slurm_scale.json`).",
    ]
    return "\n".join(lines)


def replica_table(result: dict) -> str:
    """The faces part on the 2018 replica: each classifier's test accuracy beside chance, its
    sampling error and the epochs kept, now and on the code before (the result's "before")."""
    before = result["before"]
    lines = [
        "| classifier | test accuracy, mean ± sd over seeds | 1 SE of one seed's | chance | epoch kept, mean ± sd "
        f"| seeds still improving | the code before ({before['commit']}) |",
        "|---|---|---|---|---|---|---|",
    ]
    names = {"mlp": "MLP on 64×64 crops", "alexnet": "MLP on random-AlexNet conv5 features"}
    for variant, runs in result["runs"].items():
        for model, name in names.items():
            if model == "mlp" and variant != "raw":
                continue  # standardizing concerns the features only
            r = runs[model]
            acc, n = r["test"]["mean"], r["n"]["test"]
            se = standard_error(acc, n)
            still = ", ".join(str(s) for s in r["still_improving"]) or "none"
            old = before[model]["test"]
            label = name + (
                ", standardized"
                if model == "alexnet" and variant == "standardized"
                else ", raw (the reference's inputs)"
                if model == "alexnet"
                else ""
            )
            lines.append(
                f"| {label} | {100 * acc:.1f}% ± {100 * r['test']['sd']:.1f} | {100 * se:.1f} pts (n = {n}) "
                f"| {runs['table'][0]['chance']} | {r['chosen_epoch']['mean']:.1f} ± {r['chosen_epoch']['sd']:.1f} "
                f"| {still} | {100 * old['mean']:.1f}% ± {100 * old['sd']:.1f} |"
            )
    counts = result["runs"]["raw"]["mlp"]["n"]
    lines += [
        "",
        f"{len(result['seeds'])} seeds; {counts['train']} train / {counts['validation']} validation / "
        f"{counts['test']} test faces (every good image of the replica, after deduplication); AlexNet weights: "
        f"{result['weights']}, so no row is set beside the reference's ImageNet number. The code before chose an "
        "iteration on validation after a fixed count; now each seed trains in epochs until validation stops "
        f"improving. Measured on {_measured_on(result)} by `python -m benchmarks.bench_replica` "
        "(`benchmarks/results/replica.json`).",
    ]
    return "\n".join(lines)


def _test_row(result: dict, experiment: str) -> dict:
    """The test row of a run's summary table whose experiment starts with ``experiment``."""
    return next(r for r in result["metrics"] if r["experiment"].startswith(experiment) and r["split"] == "test")


def _percent(text: str) -> float:
    """0.9185 from "91.85%" or "91.85% ± 0.61"."""
    return float(text.split("%")[0]) / 100


def _no_comparison(note: str) -> str:
    """ "83.33%, not comparable: synthetic faces" from a summary note that gives no comparison."""
    m = re.match(r"no comparison: (.*); the reference got ([\d.]+%) on its own", note)
    why = "; ".join(part.split(" (the reference:")[0] for part in m.group(1).split("); "))
    return f"{m.group(2)}, not comparable: {why}"


def _sample_test_faces(result: dict) -> tuple[int, int]:
    """Actors and test faces of the faces part of a run's configuration. The run's JSON keeps
    the summary table, which gives no test count where it gives no comparison; every actor of
    the bundled sample has enough faces for the full test share."""
    config = yaml.safe_load((REPO / result["configfile"]).read_text(encoding="utf-8"))
    split = (config.get("face_models") or {}).get("split") or {}
    actors = len(config["faces"]["actors"])
    return actors, actors * split.get("test_per_actor", SplitSettings.test_per_actor)


def headline_table(results: dict[str, dict]) -> str:
    """README's few headline results: test accuracies of the default run, full MNIST, the 2018
    replica's real photographs and FaceScrub's size, each beside its sampling error, chance and
    the reference's number where the two are comparable."""
    default, full, replica, scale = (results[n] for n in ("run_default", "run_mnist-full", "replica", "scale"))
    lines = [
        "| result | data | test accuracy | 1 SE | chance | the reference's (2018) | from |",
        "|---|---|---|---|---|---|---|",
    ]

    def row(result: str, data: str, ours: str, acc: float, n: int, classes: int, reference: str, source: str) -> None:
        lines.append(
            f"| {result} | {data} | {ours} | {100 * standard_error(acc, n):.2f} pts (n = {n:,}) "
            f"| {100 / classes:.2f}% (1 of {classes}) | {reference} | `{source}.json` |"
        )

    for result, source, data in (
        (default, "run_default", "bundled MNIST sample (test images carved out of it)"),
        (full, "run_mnist-full", "full MNIST (the official test images)"),
    ):
        r = _test_row(result, "digits: softmax gd (")
        n = int(re.search(r"n = (\d+)", r["note"]).group(1))
        row("digits: softmax, gradient descent", data, r["ours"], _percent(r["ours"]), n, 10, r["reference"], source)

    actors, n = _sample_test_faces(default)
    for experiment, label in (
        ("faces: MLP on 64x64", "MLP on 64×64 crops"),
        ("faces: MLP on AlexNet", "MLP on random-AlexNet features"),
    ):
        r = _test_row(default, experiment)
        seeds = re.search(r"(\d+) seeds", r["experiment"]).group(1)
        row(
            f"faces: {label}, {seeds} seeds",
            f"synthetic sample ({actors} invented people)",
            r["ours"],
            _percent(r["ours"]),
            n,
            actors,
            _no_comparison(r["note"]),
            "run_default",
        )

    tables = {variant: runs["table"] for variant, runs in replica["runs"].items()}
    for variant, model, experiment, label in (
        ("raw", "mlp", "MLP on 64x64", "MLP on 64×64 crops"),
        ("standardized", "alexnet", "MLP on AlexNet", "MLP on random-AlexNet features, standardized"),
    ):
        r = replica["runs"][variant][model]
        t = next(t for t in tables[variant] if t["experiment"].startswith(experiment) and t["split"] == "test")
        acc, classes = r["test"]["mean"], int(re.search(r"1 of (\d+)", t["chance"]).group(1))
        row(
            f"faces: {label}, {len(replica['seeds'])} seeds",
            f"real photographs of {classes} actors (the 2018 replica)",
            f"{100 * acc:.2f}% ± {100 * r['test']['sd']:.2f}",
            acc,
            r["n"]["test"],
            classes,
            t["reference"] or _no_comparison(t["difference"]),
            "replica",
        )

    size = scale["sizes"][-1]
    for rule, name in MODELS.items():
        seeds = size["training"][rule]["seeds"]
        mean, sd = _mean_sd([s["test"] for s in seeds])
        label = name.replace("AlexNet", "random-AlexNet")
        row(
            f"faces: {label}, {len(seeds)} seeds",
            f"synthetic, FaceScrub's size ({size['identities']} identities, {size['cropped_faces']:,} faces)",
            f"{100 * mean:.2f}% ± {100 * sd:.2f}",
            mean,
            seeds[0]["n"]["test"],
            size["actors"],
            f"none: {size['actors']} classes (the reference: 6)",
            "scale",
        )

    first = default["first_run"]
    lines += [
        "",
        "Test sets only: every choice was made on validation. Faces: mean ± sd over seeds. 1 SE: the "
        "binomial standard error of one run's (one seed's) accuracy on n test images. "
        f"The default run (`snakemake --cores {default['cores']}`) took {first['wall_s']:.0f} s wall and "
        f"{first['cpu_s']:.0f} CPU-seconds; the "
        f"{size['identities']}-identity run {_minutes(size['run']['wall_s'])} wall. "
        + _measured_where(results)
        + " All the tables: [docs/results.md](docs/results.md).",
    ]
    return "\n".join(lines)


TABLES = {
    "backprop": ("backprop_cost", backprop_table),
    "replica": ("replica", replica_table),
    "scale": ("scale", scale_table),
    "slurm": ("slurm_scale", slurm_table),
    "scheduler": ("scheduler", scheduler_table),
    "performance": (
        ("softmax_step", "download", "alexnet_chunk", "lists", "run_default", "run_quick"),
        performance_table,
    ),
    "sample": ("run_default", run_results_table),
    "mnist_full": ("run_mnist-full", run_results_table),
    "headline": (("run_default", "run_mnist-full", "replica", "scale"), headline_table),
}
#: Which file holds each table: the headline in README, the rest in docs/results.md.
FILES = {README: ("headline",), RESULTS_DOC: tuple(name for name in TABLES if name != "headline")}


def _load(name: str) -> dict:
    return json.loads((RESULTS / f"{name}.json").read_text())


def render(name: str) -> str:
    result_name, make = TABLES[name]
    if isinstance(result_name, tuple):
        return make({n: _load(n) for n in result_name})
    return make(_load(result_name))


def updated(text: str, path: Path = README) -> str:
    """The file's text with every marked table replaced by its rendering from the results. A
    block for a table that another file holds, or a table of the file's that has no block, is
    an error."""
    name_of = path.relative_to(REPO).as_posix()
    present = re.findall(r"<!-- table:(\w+) -->", text)
    for name in present:
        if name not in FILES[path]:
            where = [f.relative_to(REPO).as_posix() for f, names in FILES.items() if name in names]
            raise SystemExit(
                f"{name_of} has a block for the table {name!r}, which "
                + (f"belongs in {where[0]}" if where else "is not a known table")
            )
        pattern = re.compile(rf"(<!-- table:{name} -->\n).*?(<!-- /table:{name} -->)", re.S)
        text = pattern.sub(lambda m: m.group(1) + render(name) + "\n" + m.group(2), text)
    missing = [name for name in FILES[path] if name not in present]
    if missing:
        raise SystemExit(
            f"{name_of} has no block for the table(s) {', '.join(missing)}: add "
            + " ".join(f"<!-- table:{n} --> <!-- /table:{n} -->" for n in missing)
        )
    return text


def _blocks(text: str) -> dict[str, str]:
    return dict(re.findall(r"<!-- table:(\w+) -->\n(.*?)<!-- /table:\1 -->", text, re.S))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true")
    mode.add_argument("--check", action="store_true")
    args = parser.parse_args()
    differ = []
    for path in FILES:
        current = path.read_text(encoding="utf-8")
        new = updated(current, path)
        if args.write:
            if new != current:
                path.write_text(new, encoding="utf-8")
            continue
        old_blocks, new_blocks = _blocks(current), _blocks(new)
        differ += [
            f"{path.relative_to(REPO).as_posix()}: table {name}"
            for name in new_blocks
            if old_blocks.get(name) != new_blocks[name]
        ]
    if differ:
        print(
            "Measured tables differ from benchmarks/results/ (run python tools/readme_tables.py --write):\n  "
            + "\n  ".join(differ)
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
