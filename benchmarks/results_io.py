"""Where every benchmark writes its result: one JSON file in benchmarks/results/ that says what
was measured, on which machine, with which versions and when, with every repeat, so that the
figures in README and docs/results.md can be regenerated from (and are checked against)
committed files."""

from __future__ import annotations

import datetime
import json
import os
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
#: Where results go: benchmarks/results/, or DIGITFACE_BENCH_RESULTS (the benchmark smoke tests).
RESULTS = Path(os.environ.get("DIGITFACE_BENCH_RESULTS") or Path(__file__).resolve().parent / "results")
PACKAGES = ("numpy", "scipy", "torch", "torchvision", "pillow", "requests", "urllib3", "snakemake")


def source_commit(repo: Path = REPO) -> str:
    """The commit of the code that measured, with "+uncommitted changes" when tracked files
    differ from it (a profile being tried, a script being edited made the result too); results
    the benchmarks have rewritten (benchmarks/results/) are their outputs, not such changes."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=repo, check=False
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", ":(top,exclude)benchmarks/results"],
            capture_output=True,
            text=True,
            cwd=repo,
            check=False,
        ).stdout.strip()
    except OSError:
        return ""
    return commit + ("+uncommitted changes" if commit and changed else "")


def machine() -> dict:
    """The machine and software a result was measured with."""
    cpu = (
        next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            platform.processor(),
        )
        if Path("/proc/cpuinfo").exists()
        else ""
    )
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "versions": versions,
        "commit": source_commit(),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }


def write_result(name: str, payload: dict, folder: Path = RESULTS) -> Path:
    """``benchmarks/results/<name>.json``: the payload with the machine it was measured on."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    path.write_text(json.dumps({"benchmark": name, "machine": machine(), **payload}, indent=2, sort_keys=True) + "\n")
    return path


def read_result(name: str, folder: Path = RESULTS) -> dict:
    return json.loads((folder / f"{name}.json").read_text())
