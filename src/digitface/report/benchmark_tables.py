"""The markdown tables of the performance benchmarks, from their results in benchmarks/results/:
the backpropagation cost's fitted exponents, the benchmarks beside their targets, the
scheduler's own CPU and the SLURM run beside the local one (docs/results.md).

Each function takes the benchmark's JSON (as :mod:`digitface.report.documents` loads it) and
returns the table with the sentence that says where and how it was measured.
"""

from __future__ import annotations

from digitface.report.markdown import measured_on, measured_where
from digitface.report.numbers import pct

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
        measured_where(results) + " Each file in `benchmarks/results/` holds every repeat, the machine "
        "and the versions."
    )
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
        lines.append(f"| {label} | {wall:.1f} s | {cpu:.1f} s | {pct(cpu / wall, 1)} |")
    lines += [
        "",
        f"{result['jobs']} jobs of {result['job_seconds']:g} s, all ready at once, on {result['cores']} cores, "
        f"{result['rounds']} round(s); Snakemake's own CPU against its defaults: "
        f"as the workflow runs {result['cpu_ratio_workflow_over_defaults']:.2f}, "
        f"the profile alone {result['cpu_ratio_profile_over_defaults']:.2f}. "
        f"Measured on {measured_on(result)} by `python -m benchmarks.bench_scheduler` "
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
        f"{measured_on(result)} by `python -m benchmarks.bench_slurm_scale` (`benchmarks/results/slurm_scale.json`).",
    ]
    return "\n".join(lines)
