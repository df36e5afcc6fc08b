"""End to end on a real SLURM cluster: the sample workflow submitted through
snakemake-executor-plugin-slurm gives the same data products and metrics as a local run."""

from __future__ import annotations

import json

import pytest

from testkit.slurm import PARTITION, Cluster, available
from testkit.workflow import OUT, TINY, copy_workflow, snakemake, unavailable, write_config

pytestmark = pytest.mark.slurm

SAME_BYTES = [
    f"{OUT}/digits/data/mnist.npz",
    f"{OUT}/digits/gradcheck.tsv",
    f"{OUT}/faces/split.tsv",
    f"{OUT}/faces/summary.tsv",
    f"{OUT}/faces/manifests/synthetic_person_a.tsv",
    f"{OUT}/faces/arrays/synthetic_person_a_64.npy",
    f"{OUT}/faces/arrays/synthetic_person_f_227.npy",
    f"{OUT}/digits/gd/history.tsv",
    f"{OUT}/digits/momentum/history.tsv",
]


def _metrics(workdir):
    digits = {
        o: json.loads((workdir / f"{OUT}/digits/{o}/metrics.json").read_text())["at_chosen"] for o in ("gd", "momentum")
    }
    faces = {
        s: json.loads((workdir / f"{OUT}/faces/mlp/seed_{s}/metrics.json").read_text())["metrics"]
        for s in TINY["face_models"]["seeds"]
    }
    return digits, faces


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    why = available()
    if why:
        unavailable(why)
    c = Cluster(tmp_path_factory.mktemp("slurm-state"))
    try:
        c.start()
        yield c
    finally:
        c.stop()


def test_slurm_run_equals_local_run(cluster, tmp_path):
    local = copy_workflow(tmp_path / "local")
    snakemake(local, "--configfile", str(write_config(local / "tiny.yaml", TINY)))

    remote = copy_workflow(tmp_path / "slurm")
    config = write_config(remote / "tiny.yaml", TINY)
    proc = snakemake(
        remote,
        "--profile",
        "profiles/slurm",
        "--configfile",
        str(config),
        "--default-resources",
        f"slurm_partition={PARTITION}",
        "mem_mb=1500",
        "runtime=30",
        "--slurm-init-seconds-before-status-checks",
        "8",
    )
    assert "sbatch" in proc.stdout + proc.stderr or "SLURM" in proc.stdout + proc.stderr
    for rel in SAME_BYTES:
        assert (remote / rel).read_bytes() == (local / rel).read_bytes(), rel
    assert _metrics(remote) == _metrics(local)
