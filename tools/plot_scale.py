"""README's log-log figure of the faces part's cost against its size, from the committed
scale benchmark (benchmarks/results/scale.json, written by ``python -m benchmarks.bench_scale``).

    python tools/plot_scale.py [--out docs/scale-cost.png]

Left: the whole run's wall and CPU time against the faces cropped, with the least-squares line
of wall time the benchmark fitted and its extrapolation to all of FaceScrub (± one standard
error). Right: CPU time of each stage, so that a stage that grows faster than the data shows.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.ticker import NullFormatter  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
RESULT = REPO / "benchmarks" / "results" / "scale.json"
STAGES = {"download_actor": "download", "crop_actor": "verify + crop", "split_faces": "split",
          "train_face_mlp": "MLP on 64×64 crops", "plot_hidden_units": "hidden units",
          "extract_alexnet_chunk": "AlexNet features",
          "train_alexnet_mlp": "MLP on features"}


def plot(result: dict, out: Path) -> Path:
    sizes = result["sizes"]
    faces = np.array([s["cropped_faces"] for s in sizes], dtype=float)
    wall = np.array([s["run"]["wall_s"] for s in sizes])
    cpu = np.array([s["run"]["cpu_s"] for s in sizes])
    fit = result["fit"]
    full = fit["full_facescrub"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 4.6), constrained_layout=True)

    line = np.geomspace(faces.min(), full["faces"], 50)
    left.plot(faces, wall / 60, "o", color="C0", label="wall time (measured)")
    left.plot(faces, cpu / 60, "s", color="C1", label="CPU time, all jobs (measured)")
    left.plot(line, (fit["seconds_per_face"] * line + fit["intercept_s"]) / 60, "-", color="C0", lw=1,
              label=f"fit: {fit['seconds_per_face']:.3f} s/face + {fit['intercept_s']:.0f} s")
    se = full["wall_s_se"] or 0.0
    left.errorbar([full["faces"]], [full["wall_s"] / 60], yerr=[[se / 60], [se / 60]], fmt="D", color="C3",
                  capsize=4, label=f"all of FaceScrub (extrapolated): {full['wall_s'] / 3600:.1f} h ± {se / 60:.0f} min")
    for s, f, w in zip(sizes, faces, wall):
        left.annotate(f"{s['identities']} identities", (f, w / 60), textcoords="offset points", xytext=(6, -12),
                      fontsize=8)
    left.set(xscale="log", yscale="log", xlabel="faces cropped", ylabel="minutes",
             title=f"Faces part, synthetic FaceScrub-size web on loopback ({result['cores']} cores)")
    left.legend(fontsize=8, loc="upper left", frameon=False)
    left.grid(True, which="both", alpha=0.3)

    for i, (rule, label) in enumerate(STAGES.items()):
        values = [(f, s["stages"][rule]["cpu_s"]) for f, s in zip(faces, sizes)
                  if rule in s["stages"] and s["stages"][rule]["cpu_s"] > 0]
        if values:
            x, y = zip(*values)
            right.plot(x, y, "o-", color=f"C{i}", label=label)
    right.plot(faces, faces * cpu[-1] / faces[-1], ":", color="grey", label="proportional to the faces")
    right.set(xscale="log", yscale="log", xlabel="faces cropped", ylabel="CPU seconds (all jobs of the stage)",
              title="CPU time per stage")
    right.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)  # off the data
    for axis in (left.xaxis, right.xaxis):
        axis.set_minor_formatter(NullFormatter())
    right.grid(True, which="both", alpha=0.3)
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
