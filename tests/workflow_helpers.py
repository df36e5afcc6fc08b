"""Run the workflow as a user would: a copy of the repository's workflow in a temp folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
WORKFLOW_PARTS = ["Snakefile", "config.yaml", "rules", "scripts", "schemas", "envs", "data", "report", "profiles"]


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


def snakemake(workdir: Path, *args: str, check: bool = True,
              env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run Snakemake in ``workdir``; ``env`` adds to (or overrides) the environment."""
    cmd = [sys.executable, "-m", "snakemake", "--cores", "2", *args]
    proc = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True,
                          env=None if env is None else {**os.environ, **env})
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


def planned_outputs(dry_run_output: str) -> set[str]:
    """Output files of the jobs a dry run would execute."""
    outputs = set()
    for line in dry_run_output.splitlines():
        line = line.strip()
        if line.startswith("output:"):
            outputs.update(p.strip() for p in line[len("output:"):].split(","))
    return outputs
