"""Run the workflow as a user would: a copy of the repository's workflow in a temp folder, the
real `snakemake` command, and the tiny configuration the end-to-end tests run."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
WORKFLOW_PARTS = ["Snakefile", "config.yaml", "rules", "scripts", "schemas", "envs", "data", "report", "profiles"]

#: The tiny configuration the end-to-end tests run (a few minutes for every rule), and its folder.
RUN = "tiny"
OUT = f"results/{RUN}"
TINY = {
    "run": RUN,
    "digits": {
        "split": {"validation_size": 300, "test_size": 300},
        "train": {
            "reference_protocol": {"enabled": True, "iterations": {"gd": 15, "momentum": 25}},
            "gd": {"learning_rate": 1e-4, "iterations": 30, "eval_every": 10},
            "momentum": {"learning_rate": 1e-4, "iterations": 30, "eval_every": 10, "gamma": 0.9},
        },
    },
    "backprop": {
        "repeats": 2,
        "grid": {
            "paths": {"K": {"depth": 3, "widths": [2, 3, 4]}, "N": {"width": 2, "depths": [3, 4, 5]}},
            "finite differences": {"K": {"depth": 3, "widths": [2, 3, 4]}, "N": {"width": 2, "depths": [3, 4, 5]}},
            "backprop": {"K": {"depth": 3, "widths": [8, 16, 32]}, "N": {"width": 8, "depths": [3, 4, 5]}},
        },
    },
    "face_models": {
        "seeds": [0, 1],
        "mlp": {"epochs": 4, "patience": 2},
        "alexnet": {"chunk_size": 40, "chunks_per_job": 4, "mlp": {"epochs": 2}},
        "descriptor": {"chunk_size": 40, "mlp": {"epochs": 4, "patience": 2}, "linear": {"epochs": 4, "patience": 2}},
    },
}


def default_config() -> dict:
    """config.yaml with the schema's defaults filled in, as the workflow sees it."""
    from snakemake.utils import validate

    config = yaml.safe_load((REPO / "config.yaml").read_text())
    validate(config, str(REPO / "schemas/config.schema.yaml"), set_default=True)
    return config


def unavailable(reason: str) -> None:
    """A tool a test needs is missing: skip here, but FAIL under CI (``CI=true``), where
    `.ci/run` installs it, so that a green CI run means the test really ran."""
    import pytest

    if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
        pytest.fail(f"CI must run this test: {reason}")
    pytest.skip(reason)


def copy_workflow(dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for part in WORKFLOW_PARTS:
        src = REPO / part
        if src.is_dir():
            shutil.copytree(src, dest / part)
        elif src.exists():
            shutil.copy2(src, dest / part)
    return dest


def write_config(path: Path, config: dict) -> Path:
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def snakemake(
    workdir: Path, *args: str, check: bool = True, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """Run Snakemake in ``workdir``; ``env`` adds to (or overrides) the environment."""
    cmd = [sys.executable, "-m", "snakemake", "--cores", "2", *args]
    proc = subprocess.run(
        cmd, cwd=workdir, capture_output=True, text=True, env=None if env is None else {**os.environ, **env}
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


def planned_outputs(dry_run_output: str) -> set[str]:
    """Output files of the jobs a dry run would execute."""
    outputs = set()
    for line in dry_run_output.splitlines():
        line = line.strip()
        if line.startswith("output:"):
            outputs.update(p.strip() for p in line[len("output:") :].split(","))
    return outputs


def feature_chunks(features: Path) -> dict[tuple[str, int], Path]:
    """A run's AlexNet chunk files by (batch, chunk number), as its extraction jobs' manifests
    (``<features>/parts/*.tsv``) name them in the feature set's cache."""
    from digitface.atomic import read_tsv

    return {
        (r["array"], int(r["part"])): features / "chunks" / r["file"]
        for part in sorted((features / "parts").glob("part_*.tsv"))
        for r in read_tsv(part)
    }
