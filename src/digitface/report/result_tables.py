"""The markdown tables of the workflow's results, from the committed runs in benchmarks/results/:
a run's summary table as docs/results.md shows it, the faces part on the 2018 replica, and
README's headline results, each accuracy beside its sampling error, chance and the reference's
number where the two are comparable.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from digitface.faces.data.split import SplitSettings
from digitface.report.markdown import measured_on, measured_where, minutes
from digitface.report.numbers import chance, mean_sd, parse_pct, pct_mean_sd, se_pts
from digitface.report.scale_tables import MODELS


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
        f"on {measured_on(result)} (`benchmarks/results/run_{result['run']}.json`)."
    )
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
    for variant, runs in result["runs"].items():
        for model, name in REPLICA_MODELS.items():
            if model not in runs or (model != "alexnet" and variant != "raw"):
                continue  # standardizing concerns the AlexNet features only
            r = runs[model]
            acc, n = r["test"]["mean"], r["n"]["test"]
            still = ", ".join(str(s) for s in r["still_improving"]) or "none"
            old = before.get(model, {}).get("test")
            label = name + (
                ", standardized"
                if model == "alexnet" and variant == "standardized"
                else ", raw (the reference's inputs)"
                if model == "alexnet"
                else ""
            )
            lines.append(
                f"| {label} | {pct_mean_sd(acc, r['test']['sd'], 1)} | {se_pts(acc, n, 1)} (n = {n}) "
                f"| {runs['table'][0]['chance']} | {r['chosen_epoch']['mean']:.1f} ± {r['chosen_epoch']['sd']:.1f} "
                f"| {still} | {pct_mean_sd(old['mean'], old['sd'], 1) if old else 'new'} |"
            )
    counts = result["runs"]["raw"]["mlp"]["n"]
    lines += [
        "",
        f"{len(result['seeds'])} seeds; {counts['train']} train / {counts['validation']} validation / "
        f"{counts['test']} test faces (every good image of the replica, after deduplication); AlexNet weights: "
        f"{result['weights']}, so no row is set beside the reference's ImageNet number. The code before chose an "
        "iteration on validation after a fixed count; now each seed trains in epochs until validation stops "
        f"improving. {DESCRIPTOR_CAVEAT + ' ' if 'descriptor_mlp' in result['runs']['raw'] else ''}"
        f"Measured on {measured_on(result)} by `python -m benchmarks.bench_replica` "
        "(`benchmarks/results/replica.json`).",
    ]
    return "\n".join(lines)


#: The replica table's classifiers, in its order.
REPLICA_MODELS = {
    "mlp": "MLP on 64×64 crops",
    "alexnet": "MLP on random-AlexNet conv5 features",
    "descriptor_mlp": "MLP on dlib face descriptors (an upper bound: see below)",
    "descriptor_linear": "linear softmax on dlib face descriptors (an upper bound: see below)",
}
DESCRIPTOR_CAVEAT = (
    "dlib's face network (dlib_face_recognition_resnet_model_v1) was trained on data that includes "
    "FaceScrub, so its rows are an upper bound, not an independent test."
)
#: The reference column of a face-descriptor row: the reference had no such features.
NO_DESCRIPTOR_REFERENCE = "none: a face network's features; its training data includes FaceScrub (an upper bound)"


def _test_row(result: dict, experiment: str) -> dict:
    """The test row of a run's summary table whose experiment starts with ``experiment``."""
    return next(r for r in result["metrics"] if r["experiment"].startswith(experiment) and r["split"] == "test")


def _no_comparison(note: str) -> str:
    """ "83.33%, not comparable: synthetic faces" from a summary note that gives no comparison."""
    m = re.match(r"no comparison: (.*); the reference got ([\d.]+%) on its own", note)
    why = "; ".join(part.split(" (the reference:")[0] for part in m.group(1).split("); "))
    return f"{m.group(2)}, not comparable: {why}"


def _sample_test_faces(result: dict, repo: Path) -> tuple[int, int]:
    """Actors and test faces of the faces part of a run's configuration. The run's JSON keeps
    the summary table, which gives no test count where it gives no comparison; every actor of
    the bundled sample has enough faces for the full test share."""
    config = yaml.safe_load((repo / result["configfile"]).read_text(encoding="utf-8"))
    split = (config.get("face_models") or {}).get("split") or {}
    actors = len(config["faces"]["actors"])
    return actors, actors * split.get("test_per_actor", SplitSettings.test_per_actor)


def headline_table(results: dict[str, dict], repo: Path) -> str:
    """README's few headline results: test accuracies of the default run, full MNIST, the 2018
    replica's real photographs and FaceScrub's size, each beside its sampling error, chance and
    the reference's number where the two are comparable. ``repo``: the checkout that holds the
    configuration files the runs name."""
    default, full, replica, scale = (results[n] for n in ("run_default", "run_mnist-full", "replica", "scale"))
    lines = [
        "| result | data | test accuracy | 1 SE | chance | the reference's (2018) | from |",
        "|---|---|---|---|---|---|---|",
    ]

    def row(result: str, data: str, ours: str, acc: float, n: int, classes: int, reference: str, source: str) -> None:
        lines.append(
            f"| {result} | {data} | {ours} | {se_pts(acc, n)} (n = {n:,}) "
            f"| {chance(classes)} | {reference} | `{source}.json` |"
        )

    for result, source, data in (
        (default, "run_default", "bundled MNIST sample (test images carved out of it)"),
        (full, "run_mnist-full", "full MNIST (the official test images)"),
    ):
        r = _test_row(result, "digits: softmax gd (")
        n = int(re.search(r"n = (\d+)", r["note"]).group(1))
        row("digits: softmax, gradient descent", data, r["ours"], parse_pct(r["ours"]), n, 10, r["reference"], source)

    actors, n = _sample_test_faces(default, repo)
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
            parse_pct(r["ours"]),
            n,
            actors,
            _no_comparison(r["note"]),
            "run_default",
        )

    tables = {variant: runs["table"] for variant, runs in replica["runs"].items()}
    for variant, model, experiment, label in (
        ("raw", "mlp", "MLP on 64x64", "MLP on 64×64 crops"),
        ("standardized", "alexnet", "MLP on AlexNet", "MLP on random-AlexNet features, standardized"),
        ("raw", "descriptor_linear", "linear softmax on dlib", "linear softmax on dlib face descriptors"),
    ):
        if model not in replica["runs"][variant]:
            continue
        r = replica["runs"][variant][model]
        t = next(t for t in tables[variant] if t["experiment"].startswith(experiment) and t["split"] == "test")
        acc, classes = r["test"]["mean"], int(re.search(r"1 of (\d+)", t["chance"]).group(1))
        row(
            f"faces: {label}, {len(replica['seeds'])} seeds",
            f"real photographs of {classes} actors (the 2018 replica)",
            pct_mean_sd(acc, r["test"]["sd"]),
            acc,
            r["n"]["test"],
            classes,
            NO_DESCRIPTOR_REFERENCE
            if model.startswith("descriptor")
            else t["reference"] or _no_comparison(t["difference"]),
            "replica",
        )

    size = scale["sizes"][-1]
    for rule, name in MODELS.items():
        seeds = size["training"][rule]["seeds"]
        mean, sd = mean_sd([s["test"] for s in seeds])
        label = name.replace("AlexNet", "random-AlexNet")
        row(
            f"faces: {label}, {len(seeds)} seeds",
            f"synthetic, FaceScrub's size ({size['identities']} identities, {size['cropped_faces']:,} faces)",
            pct_mean_sd(mean, sd),
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
        f"{size['identities']}-identity run {minutes(size['run']['wall_s'])} wall. "
        + measured_where(results)
        + " All the tables: [docs/results.md](docs/results.md).",
    ]
    return "\n".join(lines)
