"""The measured tables of README.md and docs/results.md are generated, never typed by hand."""

from __future__ import annotations

import subprocess
import sys

from testkit.workflow import REPO


def test_readme_tables_are_the_committed_results():
    """No measured number in README.md or docs/results.md is typed by hand: their tables (the
    headline in README, every other one in docs/results.md) are generated from
    benchmarks/results/*.json (python tools/readme_tables.py --write)."""
    proc = subprocess.run(
        [sys.executable, "tools/readme_tables.py", "--check"], cwd=REPO, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
