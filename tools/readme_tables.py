"""README's measured tables, generated from the committed results in benchmarks/results/.

    python tools/readme_tables.py --write   # rewrite the tables in README.md
    python tools/readme_tables.py --check   # exit 1 if README differs from the results

Each table sits between ``<!-- table:NAME -->`` and ``<!-- /table:NAME -->`` in README.md (NAME
one of :data:`TABLES`); a test runs the check, so no measured number in README is typed by hand.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
README = REPO / "README.md"

#: The reference's prediction for each fit, in the words of its prose.
PROSE = {
    ("paths", "K"): "4 (O(N·K^N))",
    ("paths", "N"): "ln 4 = 1.39",
    ("finite differences", "K"): "4 (O(N²·K⁴))",
    ("finite differences", "N"): "2",
    ("backprop", "K"): "2 for one example (the prose's K³ counts a batch of K examples)",
    ("backprop", "N"): "1",
}
METHOD = {"paths": "chain-rule paths, each weight separately", "finite differences":
          "finite differences, each weight separately", "backprop": "backpropagation (vectorized)"}


def backprop_table(result: dict) -> str:
    lines = ["| method | fit | measured (95% interval) | the reference's prose predicts |", "|---|---|---|---|"]
    for f in result["fits"]:
        vary = "K" if "K^a" in f["fit"] else "N"
        lines.append(f"| {METHOD[f['method']]} | {f['fit']} | {f['measured']:.2f} "
                     f"({f['ci95'][0]:.2f} to {f['ci95'][1]:.2f}) | {PROSE[(f['method'], vary)]} |")
    m = result["machine"]
    lines.append("")
    lines.append(f"CPU time of one thread, median of {result['repeats']} repeats per point, slopes over the "
                 f"three largest sizes of each series; measured on {m['cpu']} ({m['cores']} cores), "
                 f"{m['date'][:10]}, by `python -m benchmarks.bench_backprop` "
                 "(`benchmarks/results/backprop_cost.json`).")
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
        f"ours / GEMM pair = {ratio['ours_over_gemm']:.2f}; seed / ours = {ratio['seed_over_ours']:.1f} | ≤ 1.3; ≥ 3 |")
    d = results["download"]
    c = d["contenders"]
    faults = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in d["faults"].items())
    contenders = "; ".join(
        f"{name} {c[name]['wall_s']:.1f} s ({len(c[name]['verified'])} images verified)"
        + (f", **{d['ratios'][name + '_over_ours']:.1f}×** ours' time" if name != "ours" else "")
        for name in ("ours", "img2dataset", "course") if name in c)
    lines.append(
        f"| FaceScrub download, six actors' {d['urls']:,} URLs of the 2018 replica ({faults}), "
        f"{1e3 * d['latency_s']:.0f} ms latency, every contender capped at {d['timeout_s']:g} s per URL, every URL "
        f"run | `python -m benchmarks.bench_download` | {contenders}; same verified set as img2dataset: "
        f"{d['same_verified_set'].get('img2dataset')} | ≥ 20× the course's approach, ≥ 5× img2dataset |")
    a = results["alexnet_chunk"]
    rss = a["rss_median_mib"]
    lines.append(
        f"| AlexNet chunk job vs the raw forward pass, {a['chunk']} images | `python -m benchmarks.bench_alexnet_chunk` "
        f"| {a['throughput']['paired_ratio_median']:.2f}× (median of {a['repeats']} paired repeats) | ≥ 0.85× |")
    lines.append(
        f"| chunk job peak RSS with a crops file of {a['chunk']} vs {10 * a['chunk']:,} images | same | "
        f"{rss['small']:.1f} MiB vs {rss['big']:.1f} MiB ({100 * (rss['big'] / rss['small'] - 1):+.1f}%) | "
        "equal within 10% |")
    li = results["lists"]
    lines.append(
        f"| parse a FaceScrub-size list ({li['rows']:,} rows, {li['identities']} identities) | "
        f"`python -m benchmarks.bench_lists` | {li['rows_per_s']:,.0f} rows/s | |")
    default, quick = results["run_default"], results["run_quick"]
    lines.append(
        f"| first `snakemake --cores {default['cores']}` of a fresh clone (the sample) | "
        f"`python -m benchmarks.bench_runs` | {default['first_run']['wall_s']:.0f} s wall, "
        f"**{default['first_run']['cpu_s']:.0f} CPU-seconds** | ≤ 300 CPU-seconds |")
    lines.append(
        f"| the same again: nothing to do | same | {default['rerun']['wall_s']:.1f} s wall | ≤ 3 s |")
    lines.append(
        f"| `snakemake --cores {quick['cores']} --configfile configs/quick.yaml`, every rule | same | "
        f"{quick['first_run']['wall_s']:.0f} s wall, {quick['first_run']['cpu_s']:.0f} CPU-seconds | under a minute |")
    lines.append("")
    where: dict[str, list[str]] = {}  # machine and day -> the results measured there
    for name, result in results.items():
        where.setdefault(_measured_on(result), []).append(f"`{name}.json`")
    when = sorted(where) if len(where) == 1 else sorted(f"{m} ({', '.join(n)})" for m, n in where.items())
    lines.append("Measured on " + "; ".join(when) + ". Each file in `benchmarks/results/` holds every "
                 "repeat, the machine and the versions.")
    return "\n".join(lines)


def run_results_table(result: dict) -> str:
    """A run's summary table (every result beside the reference's) as README shows it."""
    lines = ["| result | set | ours | reference | difference, or note |", "|---|---|---|---|---|"]
    for row in result["metrics"]:
        lines.append(f"| {row['experiment']} | {row['split']} | {row['ours']} | {row['reference']} | {row['note']} |")
    lines.append("")
    command = "snakemake --cores 4" + (f" --configfile {result['configfile']}" if result["configfile"] != "config.yaml"
                                       else "")
    lines.append(f"The run `{result['run']}` (`{command}`: {result['first_run']['wall_s'] / 60:.1f} min, "
                 f"{result['first_run']['cpu_s']:.0f} CPU-seconds) as recorded by `python -m benchmarks.bench_runs` "
                 f"on {_measured_on(result)} (`benchmarks/results/run_{result['run']}.json`).")
    return "\n".join(lines)


STAGES = ["index_face_lists", "download_actor", "crop_actor", "split_faces", "train_face_mlp",
          "plot_hidden_units", "extract_alexnet_chunk", "train_alexnet_mlp"]


def scale_table(result: dict) -> str:
    sizes = result["sizes"]
    lines = ["| identities | list rows | faces cropped | jobs | wall | CPU | CPU per face | Snakemake's own CPU, share of "
             "wall | no-op replan | disk |", "|---|---|---|---|---|---|---|---|---|---|"]
    for size in sizes:
        run = size["run"]
        lines.append(f"| {size['identities']} | {size['rows']:,} | {size['cropped_faces']:,} | {size.get('jobs', '')} "
                     f"| {run['wall_s'] / 60:.1f} min "
                     f"| {run['cpu_s'] / 60:.1f} min | {size['cpu_per_face_s']:.3f} s | "
                     f"{100 * size['snakemake_share']:.1f}% | {size['plan_s']:.1f} s | {size['disk_mb']:,.0f} MB |")
    first, second = result["peak_rss_ratio_largest_over_smallest"], result["peak_rss_ratio_largest_over_second"]
    lines += ["", "| stage | " + " | ".join(f"{s['identities']} identities: jobs, CPU, peak RSS" for s in sizes)
              + " | peak RSS, largest / smallest size | largest / second |",
              "|---|" + "---|" * (len(sizes) + 2)]
    for stage in STAGES:
        cells = []
        for size in sizes:
            st = size["stages"].get(stage)
            cells.append(f"{st['jobs']}, {st['cpu_s']:.0f} s, {st['peak_rss_mb']:.0f} MB" if st else "")
        ratios = [f"{r[stage]:.2f}" if r and stage in r else "" for r in (first, second)]
        lines.append(f"| {stage} | " + " | ".join(cells + ratios) + " |")
    fit = result["fit"]
    full = fit["full_facescrub"]
    targets = result["targets"]
    se = full["wall_s_se"]
    error = (f" ± {se / 3600:.1f} h" if se >= 3600 else f" ± {se / 60:.0f} min") + " (one standard error of the fit)" if se else ""
    cpu_ratio = result["cpu_per_face_ratio_largest_over_smallest"]
    flat = [st for st in STAGES if second and st in second and second[st] > targets["peak_rss_ratio"]]
    share = [s["snakemake_share"] for s in sizes]
    per_job = result.get("actors_per_job", 1)
    lines += ["", f"Each download and crop job took {per_job} identit{'y' if per_job == 1 else 'ies'} "
              f"(`faces.actors_per_job: {per_job}`). Wall time grows as {fit['seconds_per_face']:.3f} s per cropped face plus {fit['intercept_s']:.0f} s "
              f"(least squares over the sizes); for all of FaceScrub ({full['identities']} identities × "
              f"{full['rows_per_identity']} rows, ~{full['faces']:,.0f} faces at this share of good images) that "
              f"predicts {full['wall_s'] / 3600:.1f} h{error} on this machine with {result['cores']} cores. "
              f"Targets: CPU per face at the largest size / the smallest {cpu_ratio:.2f} (≤ {targets['cpu_per_face_ratio']}: "
              f"{'met' if cpu_ratio <= targets['cpu_per_face_ratio'] else 'NOT met'}); peak RSS of every stage within "
              f"{100 * (targets['peak_rss_ratio'] - 1):.0f}% between the two largest sizes: "
              + ("met" if not flat else "NOT met by " + ", ".join(flat))
              + f"; Snakemake's share ≤ {100 * targets['snakemake_share']:.0f}%: "
              + ("met at every size" if max(share) <= targets["snakemake_share"] else
                 "NOT met at " + ", ".join(f"{s['identities']} identities" for s in sizes
                                           if s["snakemake_share"] > targets["snakemake_share"]))
              + f". AlexNet extraction on the CPU: {sizes[-1]['stages']['extract_alexnet_chunk']['images_per_s']:.1f} "
              "images per second of job time at the largest size (CUDA: not measured, no GPU here)"
              + f". Measured on {_measured_on(result)} by `python -m benchmarks.bench_scale` "
              "(`benchmarks/results/scale.json`; CPU and peak RSS per job from the line each job's log ends with)."]
    return "\n".join(lines)


def scheduler_table(result: dict) -> str:
    sides = result["sides"]
    lines = ["| settings | wall | Snakemake's own CPU | share of wall |", "|---|---|---|---|"]
    subsample = result["profile_settings"].get("scheduler-subsample")
    labels = (("workflow", "as this workflow runs: the profile and one pending re-evaluation timer "
                           "(`digitface.scheduling`)"),
              ("profile", f"`profiles/default` alone (greedy, `scheduler-subsample: {subsample}`)"),
              ("defaults", "Snakemake's defaults (`--workflow-profile none`)"))
    for name, label in labels:
        wall = sum(r["wall_s"] for r in sides[name])
        cpu = sum(r["snakemake_cpu_s"] for r in sides[name])
        lines.append(f"| {label} | {wall:.1f} s | {cpu:.1f} s | {100 * cpu / wall:.1f}% |")
    lines += ["", f"{result['jobs']} jobs of {result['job_seconds']:g} s, all ready at once, on {result['cores']} cores, "
              f"{result['rounds']} round(s); Snakemake's own CPU against its defaults: "
              f"as the workflow runs {result['cpu_ratio_workflow_over_defaults']:.2f}, "
              f"the profile alone {result['cpu_ratio_profile_over_defaults']:.2f}. "
              f"Measured on {_measured_on(result)} by `python -m benchmarks.bench_scheduler` "
              "(`benchmarks/results/scheduler.json`)."]
    return "\n".join(lines)


def slurm_table(result: dict) -> str:
    walls = result["wall_s"]
    lines = ["| where | wall | data products compared byte for byte | differing | classifier metrics equal |",
             "|---|---|---|---|---|"]
    for where, label in (("local", "one machine (`--cores 2`)"), ("slurm", "SLURM, one-node cluster on localhost")):
        lines.append(f"| {label} | {walls[where] / 60:.1f} min | {len(result['products_compared']):,} | "
                     f"{len(result['products_differing'])} | {'yes' if result['metrics_equal'] else 'NO'} |")
    per_job = result["actors_per_job"]
    lines += ["", f"{result['identities']} identities × {result['rows_per_identity']} list rows, "
              f"{per_job} actor{'s' if per_job > 1 else ''} per job; measured on "
              f"{_measured_on(result)} by `python -m benchmarks.bench_slurm_scale` (`benchmarks/results/slurm_scale.json`)."]
    return "\n".join(lines)


TABLES = {"backprop": ("backprop_cost", backprop_table),
          "scale": ("scale", scale_table),
          "slurm": ("slurm_scale", slurm_table),
          "scheduler": ("scheduler", scheduler_table),
          "performance": (("softmax_step", "download", "alexnet_chunk", "lists", "run_default", "run_quick"),
                          performance_table),
          "sample": ("run_default", run_results_table),
          "mnist_full": ("run_mnist-full", run_results_table)}


def _load(name: str) -> dict:
    return json.loads((RESULTS / f"{name}.json").read_text())


def render(name: str) -> str:
    result_name, make = TABLES[name]
    if isinstance(result_name, tuple):
        return make({n: _load(n) for n in result_name})
    return make(_load(result_name))


def updated(readme: str) -> str:
    """README with every marked table replaced by its rendering from the results."""
    for name in re.findall(r"<!-- table:(\w+) -->", readme):
        if name not in TABLES:
            raise SystemExit(f"README.md has a block for an unknown table {name!r}")
        pattern = re.compile(rf"(<!-- table:{name} -->\n).*?(<!-- /table:{name} -->)", re.S)
        readme = pattern.sub(lambda m: m.group(1) + render(name) + "\n" + m.group(2), readme)
    return readme


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true")
    mode.add_argument("--check", action="store_true")
    args = parser.parse_args()
    current = README.read_text()
    new = updated(current)
    if args.write:
        README.write_text(new)
        return 0
    if new != current:
        print("README.md's measured tables differ from benchmarks/results/: run python tools/readme_tables.py --write")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
