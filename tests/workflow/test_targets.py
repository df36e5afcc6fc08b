"""What the command line offers: every rule listed with what it does, a mistyped target answered
with the real ones, and the command each configs/*.yaml documents plans its jobs."""

from __future__ import annotations

import shlex
import shutil

from testkit.workflow import REPO, copy_workflow, snakemake


def test_every_rule_explains_itself_and_a_mistyped_target_names_the_real_ones(tmp_path):
    workdir = copy_workflow(tmp_path)
    listed = snakemake(workdir, "--list-rules").stdout
    rules = []  # one entry per rule: its line and the docstring's continuation lines
    for line in listed.splitlines():
        if line.startswith(" ") and rules:
            rules[-1] += " " + line.strip()
        elif line:
            rules.append(line)
    assert len(rules) >= 25 and all(" (" in r and r.rstrip().endswith(")") for r in rules), listed
    proc = snakemake(workdir, "digts", "-n", check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "'digts' is not a target of this workflow. Did you mean 'digits'?" in out
    assert "Targets: all, digits, faces_data, faces, backprop" in out
    # A real file target is not caught by it.
    assert snakemake(workdir, "results/sample/digits/gradcheck.json", "-n").returncode == 0


def test_commands_documented_in_the_configs_plan_their_jobs(tmp_path, shared_mnist_dir, shared_facescrub_dir):
    """Each configs/*.yaml names the command that uses it; each one parses and plans jobs
    (a dry run: the download config would need the network to run)."""
    workdir = copy_workflow(tmp_path / "wf")
    shutil.copytree(REPO / "configs", workdir / "configs")
    (tmp_path / "shared").symlink_to(shared_mnist_dir.parents[1])  # ../shared, as beside a clone
    commands = [
        line.lstrip("# ").strip()
        for cfg in sorted((workdir / "configs").glob("*.yaml"))
        for line in cfg.read_text().splitlines()
        if line.startswith("#   snakemake ")
    ]
    assert len(commands) == 4
    for command in commands:
        args = shlex.split(command)[1:]
        proc = snakemake(workdir, *args, "-n", check=False)
        out = proc.stdout + proc.stderr
        assert proc.returncode == 0 and "Job stats:" in out, command + "\n" + out
