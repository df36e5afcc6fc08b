"""Run a command and measure its own process's CPU time: what the workflow engine itself costs,
apart from the jobs it starts (its children, whose time the caller measures separately)."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import psutil


def run_own_cpu(args: list[str], cwd: Path, log: Path, poll_s: float = 0.5) -> tuple[int, float, float]:
    """The command's return code, wall seconds and own CPU seconds (user + system of its process,
    sampled until it exits). Output goes to ``log``, a file: a full pipe would stall the command."""
    start = time.monotonic()
    own = 0.0
    with open(log, "w") as out:
        proc = psutil.Popen(args, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        while proc.poll() is None:
            try:
                t = proc.cpu_times()
                own = t.user + t.system
            except psutil.NoSuchProcess:
                break
            time.sleep(poll_s)
    return proc.returncode, time.monotonic() - start, own
