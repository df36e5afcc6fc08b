"""Shared fixtures: where the course data lives, and skipping cleanly when it does not."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("DIGITFACE_SHARED", REPO.parent / "shared")).resolve()


def _require(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"needs {path} (the shared course data beside the clone; set DIGITFACE_SHARED)")
    return path


@pytest.fixture(scope="session")
def repo_dir() -> Path:
    return REPO


@pytest.fixture(scope="session")
def shared_mnist_dir() -> Path:
    """../shared/data/mnist: full MNIST IDX gz files and snapshot50.pkl."""
    return _require(SHARED / "data" / "mnist")


@pytest.fixture(scope="session")
def shared_facescrub_dir() -> Path:
    """../shared/data/facescrub: the course lists and replica/ (2018 responses)."""
    return _require(SHARED / "data" / "facescrub")


@pytest.fixture(scope="session")
def replica(shared_facescrub_dir):
    """The six project actors' rows and the replica of their 2018 responses (skips without the
    shared data)."""
    from testkit.loopback import load_replica

    return load_replica(shared_facescrub_dir)


@pytest.fixture(scope="session")
def finished_run(tmp_path_factory):
    """The tiny configuration run to the end once per session, for every test that needs a
    finished run (tests that change its files work on a copy)."""
    from testkit.workflow import TINY, copy_workflow, snakemake, write_config

    workdir = copy_workflow(tmp_path_factory.mktemp("wf"))
    config = write_config(workdir / "tiny.yaml", TINY)
    snakemake(workdir, "--configfile", str(config))
    return workdir, config
