"""The markdown tables of the faces part at FaceScrub's size, from the scale benchmark
(benchmarks/results/scale.json, written by ``python -m benchmarks.bench_scale``): the run at each
size, each stage's rate beside its in-process limit, the classifiers' accuracies and each
stage's jobs, CPU and memory (docs/results.md).
"""

from __future__ import annotations

from digitface.report.markdown import measured_on, minutes
from digitface.report.numbers import chance, mean_sd, pct, pct_mean_sd, se_pts

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
            f"| {minutes(run['wall_s'])} | {minutes(run['cpu_s'])} | {size['cpu_per_face_s']:.3f} s "
            f"| {size['limits_cpu_per_face_s']:.3f} s | {size['cpu_over_limits']:.2f} | {rss:,.0f} MB "
            f"| {pct(size['snakemake_share'], 1)} | {size['plan_s']:.1f} s | {size['disk_mb']:,.0f} MB |"
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
            mean, sd = mean_sd([r["test"] for r in seeds])
            n = seeds[0]["n"]["test"]
            still = [str(r["seed"]) for r in seeds if r["still_improving"]]
            lines.append(
                f"| {size['identities']} | {name} | {pct_mean_sd(mean, sd)} | {se_pts(mean, n)} "
                f"(n = {n:,}) | {chance(size['actors'])} | "
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
        + f". Measured on {measured_on(result)} by `python -m benchmarks.bench_scale` "
        "(`benchmarks/results/scale.json`; CPU and peak RSS of every job from the line its log ends with, "
        "every thread counted).",
    ]
    return "\n".join(lines)
