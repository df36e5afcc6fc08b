"""docs/results.md's figure of the faces part at FaceScrub's size, from the committed scale
benchmark (benchmarks/results/scale.json, written by ``python -m benchmarks.bench_scale``).

    python tools/plot_scale.py [--out docs/scale-cost.png]

Left: the CPU time of each stage at every measured size (stacked), beside the wall time: where
the time of a run goes. Right: each stage's rate in the workflow (work per CPU-second over all
its jobs, start-up included) as a share of its in-process limit, with the targets: how near its
own limit each stage runs. Only measured sizes; nothing is extrapolated.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
RESULT = REPO / "benchmarks" / "results" / "scale.json"
#: Rules in the order a run meets them, and their names in the figure.
STAGES = {
    "download_batch": "download",
    "crop_batch": "verify + crop",
    "split_faces": "split",
    "extract_alexnet_chunks": "AlexNet features",
    "train_face_mlp": "MLP on 64×64 crops",
    "train_alexnet_mlp": "MLP on features",
    "plot_hidden_units": "hidden units",
}
#: The stages the benchmark sets beside a limit, and their names.
RATES = {
    "download": "download (requests)",
    "crop": "crop (images)",
    "extraction": "AlexNet (images)",
    "train_face_mlp": "MLP on crops (faces × epochs)",
    "train_alexnet_mlp": "MLP on features (faces × epochs)",
}
TARGET = {"crop": "crop_over_limit", "extraction": "extraction_over_limit"}


def plot(result: dict, out: Path) -> Path:
    sizes = result["sizes"]
    labels = [f"{s['identities']} identities\n{s['cropped_faces']:,} faces" for s in sizes]
    x = np.arange(len(sizes))
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 4.8), constrained_layout=True)

    bottom = np.zeros(len(sizes))
    for i, (rule, name) in enumerate(STAGES.items()):
        cpu = np.array([s["stages"].get(rule, {}).get("cpu_s", 0.0) for s in sizes]) / 60
        left.bar(x, cpu, 0.5, bottom=bottom, color=f"C{i}", label=name)
        bottom += cpu
    other = np.array([s["run"]["cpu_s"] for s in sizes]) / 60 - bottom
    left.bar(x, np.maximum(other, 0), 0.5, bottom=bottom, color="lightgrey", label="everything else")
    wall = np.array([s["run"]["wall_s"] for s in sizes]) / 60
    left.plot(x, wall, "kD", label="wall time of the run")
    for xi, w in zip(x, wall):
        left.annotate(f"{w:.0f} min wall", (xi, w), textcoords="offset points", xytext=(10, -3), fontsize=8)
    left.set_xticks(x, labels)
    left.set(
        ylabel="minutes (CPU: every job's threads)",
        title=f"Where the time goes ({result['cores']} cores, synthetic FaceScrub-size web on loopback)",
    )
    left.legend(fontsize=8, loc="upper left", frameon=False)
    left.grid(True, axis="y", alpha=0.3)

    width = 0.8 / len(sizes)
    for j, size in enumerate(sizes):
        ratios = [size["rates"][stage]["ratio"] for stage in RATES]
        right.barh(
            np.arange(len(RATES)) + (j - (len(sizes) - 1) / 2) * width,
            ratios,
            width,
            color=f"C{j}",
            label=f"{size['identities']} identities",
        )
    for k, stage in enumerate(RATES):
        if stage in TARGET:
            target = result["targets"][TARGET[stage]]
            right.plot([target, target], [k - 0.45, k + 0.45], "k--", lw=1)
    right.axvline(1.0, color="grey", lw=1)
    right.set_yticks(np.arange(len(RATES)), list(RATES.values()))
    right.invert_yaxis()
    right.set(
        xlabel="the workflow's rate / the stage's in-process limit (dashed: target)",
        title="How near its own limit each stage runs",
        xlim=(0, 1.15),
    )
    right.legend(fontsize=8, loc="lower right", frameon=False)
    right.grid(True, axis="x", alpha=0.3)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--result", type=Path, default=RESULT)
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "scale-cost.png")
    args = parser.parse_args()
    print(plot(json.loads(args.result.read_text()), args.out))


if __name__ == "__main__":
    main()
