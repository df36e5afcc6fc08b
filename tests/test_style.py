"""The Python code passes ruff's lint and format checks with the settings in pyproject.toml."""

from __future__ import annotations

import subprocess
import sys

import pytest

from testkit.workflow import REPO


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]], ids=["lint", "format"])
def test_ruff_is_clean(command):
    """The Python code passes ruff's lint and format checks with the settings in pyproject.toml."""
    proc = subprocess.run([sys.executable, "-m", "ruff", *command, "."], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
