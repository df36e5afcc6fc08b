"""The plan Snakemake makes: the committed rule graph is current, the DAG renders with Graphviz
and has jobs per batch of actors and per chunk, never per image (a FaceScrub-size list too),
planning imports no torch, both profiles plan every job and the downloads run on the head node."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import pytest

from testkit.faces import read_list
from testkit.scale import scale_list_names, scale_list_text
from testkit.workflow import REPO, copy_workflow, snakemake, unavailable, write_config


def test_committed_rule_graph_is_current(finished_run):
    """docs/rulegraph.svg shows exactly the rules `snakemake --rulegraph` has after a run (on a
    fresh checkout Snakemake cannot know the jobs after the checkpoints yet: the downloads
    after the lists are read, the chunk jobs after the split; so the picture is drawn after a
    run, see docs/README.md)."""
    workdir, config = finished_run
    proc = snakemake(workdir, "--configfile", str(config), "--rulegraph")
    rules_now = set(re.findall(r'label = "([a-z_]+)"', proc.stdout))
    drawn = set(re.findall(r">([a-z_]+)</text>", (REPO / "docs" / "rulegraph.svg").read_text()))
    # The tiny run also runs the reference protocol (train_softmax_fixed), which the default,
    # the picture's configuration, leaves off.
    assert rules_now - {"train_softmax_fixed"} == drawn, "regenerate docs/rulegraph.* after a run (docs/README.md)"


def test_the_dag_renders_with_graphviz(finished_run, tmp_path):
    """docs/design.md's `snakemake --dag | dot -Tsvg`: one node per job, none per image."""
    dot = shutil.which("dot")
    if dot is None:
        unavailable("needs Graphviz's dot (apt-get install graphviz; .ci/run installs it)")
    workdir, config = finished_run
    graph = snakemake(workdir, "--configfile", str(config), "--dag").stdout
    svg = subprocess.run([dot, "-Tsvg"], input=graph, capture_output=True, text=True, check=True).stdout
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    jobs = re.findall(r'label = "([a-z_]+)', graph)
    assert jobs.count("download_batch") == 6 and jobs.count("extract_alexnet_chunks") == 3
    assert len(jobs) < 100  # per actor, chunk and seed: never per image (360 faces)


def test_facescrub_size_list_plans_per_actor(tmp_path):
    """The DAG is per batch of actors, never per image: a FaceScrub-size list plans as 2 jobs per
    actor, or per ``actors_per_job`` actors."""
    workdir = copy_workflow(tmp_path)
    lst = workdir / "facescrub_size.txt"
    lst.write_text(scale_list_text(identities=530, rows=107_000))
    rows, rejects = read_list(lst)
    assert len(rows) == 107_000 and not rejects and len({r.name for r in rows}) == 530
    config = write_config(
        workdir / "scale.yaml",
        {
            # This test plans 107,000 rows and makes none of their faces: no disk check.
            "faces": {
                "lists": [{"name": "facescrub", "path": str(lst)}],
                "actors": scale_list_names(530),
                "disk_face_share": 0,
            },
            "face_models": {"hidden_units": {"actors": [{"actor": name} for name in scale_list_names(2)]}},
        },
    )
    # The lists are read once by a checkpoint (a second or two); then the DAG is known.
    snakemake(workdir, "--configfile", str(config), "--until", "index_face_lists")

    def planned(*override: str) -> dict[str, int]:
        proc = snakemake(workdir, "faces_data", "-n", "--quiet", "rules", "--configfile", str(config), *override)
        counts = {}
        for line in proc.stdout.splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[1].isdigit():
                counts[parts[0]] = int(parts[1])
        return counts

    counts = planned()
    assert counts["download_batch"] == 530 and counts["crop_batch"] == 530
    # + summarize_faces_data, its HTML copy (render_table), the target (the index has run)
    assert counts["total"] == 530 * 2 + 3
    # Ten actors per job: 53 download and 53 crop jobs; the lists need not be read again.
    counts = planned("--config", "faces={actors_per_job: 10}")
    assert counts["download_batch"] == 53 and counts["crop_batch"] == 53 and counts["total"] == 53 * 2 + 3


def test_planning_the_workflow_imports_no_torch(finished_run):
    """A no-op rerun plans the whole DAG (the chunk jobs included, from the face index): it
    must not pay for importing torch (seconds, every time Snakemake plans)."""
    workdir, config = finished_run
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "snakemake", "--cores", "1", "-n", "--configfile", str(config)],
        cwd=workdir,
        capture_output=True,
        text=True,
    )
    assert "Nothing to be done" in proc.stdout + proc.stderr
    imported = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
    assert "digitface.faces.data.face_index" in imported  # the chunk plan was read
    assert not {m for m in imported if m == "torch" or m.startswith("torch.")}, "planning imported torch"


@pytest.mark.parametrize("profile", ["local", "slurm"])
def test_profiles_plan_the_workflow(tmp_path, profile):
    """Both profiles load (the slurm one through the executor plugin) and plan every job."""
    workdir = copy_workflow(tmp_path)
    proc = snakemake(workdir, "--profile", f"profiles/{profile}", "-n", "--quiet", "rules")
    counts = {
        p[0]: int(p[1]) for p in (line.split() for line in proc.stdout.splitlines()) if len(p) == 2 and p[1].isdigit()
    }
    assert counts["download_batch"] == 6 and counts["train_softmax"] == 2


#: Asks Snakemake itself which rules run on the submitting (head) node.
LOCAL_RULES = """
import json
from pathlib import Path

from snakemake.api import SnakemakeApi
from snakemake.settings.types import OutputSettings, ResourceSettings

with SnakemakeApi(OutputSettings(quiet={"all"})) as api:
    flow = api.workflow(resource_settings=ResourceSettings(cores=1), snakefile=Path("Snakefile"), workdir=Path("."))
    workflow = flow._workflow  # its local rules: those that run where Snakemake runs on a cluster
    print(json.dumps(sorted(r.name for r in workflow.rules if r.name in workflow._localrules and not r.norun)))
"""


def test_downloads_run_on_the_head_node(tmp_path):
    """Snakemake's own view of the rules: the ones that need the network are local rules
    (under SLURM they run where Snakemake runs); everything else may be submitted."""
    workdir = copy_workflow(tmp_path)
    proc = subprocess.run([sys.executable, "-c", LOCAL_RULES], cwd=workdir, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == [
        "download_batch",
        "download_mnist",
        "fetch_alexnet_weights",
        "fetch_face_list",
        "unknown_target",
    ]
