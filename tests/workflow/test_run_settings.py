"""Every setting is honoured or refused, through the real command line, after a finished run.

Changing the data source, its path or its contents reruns exactly what depends on it; a source
that is missing or empty stops the run before any job, naming the setting and the path;
nested ``--config`` overrides are used with the schema's types; settings that cannot be
honoured are refused naming the key; runs of different configurations live side by side.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from scipy.io import savemat

from testkit.digits import write_idx_folder
from testkit.workflow import OUT, TINY, copy_workflow, planned_outputs, snakemake, write_config

#: What a new MNIST source reruns: the digits part and the summary, nothing of the faces.
DIGITS_CHAIN = {
    f"{OUT}/{p}"
    for p in (
        "digits/data/mnist.npz",
        "digits/data/split.json",
        "digits/figures/gallery.png",
        "digits/gradcheck.tsv",
        "digits/gradcheck.json",
        "digits/gradcheck.html",
        "digits/metrics.tsv",
        "digits/metrics.html",
        "metrics.tsv",
        "metrics.html",
        *(
            f"digits/{o}/{f}"
            for o in ("gd", "momentum")
            for f in ("history.tsv", "metrics.json", "weights.npz", "reference_protocol.json")
        ),
        *(
            f"digits/figures/{k}_{o}.{x}"
            for o in ("gd", "momentum")
            for k, x in (("curves", "png"), ("curves", "svg"), ("weights", "png"))
        ),
    )
}


def plan(workdir, *args: str) -> set[str]:
    """The outputs a dry run of the finished run, with ``args``, would make."""
    return planned_outputs(snakemake(workdir, "--configfile", "tiny.yaml", *args, "-n").stdout)


def test_switching_to_an_idx_folder_reruns_the_digits_part(finished_run, tmp_path):
    folder = write_idx_folder(tmp_path / "idx", n_train=1200, n_test=300)
    planned = plan(
        finished_run[0], "--config", f"digits={{source: idx_dir, idx_dir: {folder}, split: {{test_size: null}}}}"
    )
    assert planned == DIGITS_CHAIN


def test_switching_to_a_mat_file_reruns_the_digits_part(finished_run, tmp_path):
    mat = tmp_path / "mnist_all.mat"
    savemat(mat, {f"{p}{d}": np.full((60, 784), d, np.uint8) for p in ("train", "test") for d in range(10)})
    planned = plan(finished_run[0], "--config", f"digits={{source: mat, mat: {mat}, split: {{test_size: null}}}}")
    assert planned == DIGITS_CHAIN


def test_switching_to_mirrors_downloads_the_pinned_files_first(finished_run):
    planned = plan(
        finished_run[0],
        "--config",
        "digits={source: download, mirrors: [http://127.0.0.1:9/mnist], split: {test_size: null}}",
    )
    downloads = {
        f"results/resources/mnist/{s}.gz"
        for s in (
            "train-images-idx3-ubyte",
            "train-labels-idx1-ubyte",
            "t10k-images-idx3-ubyte",
            "t10k-labels-idx1-ubyte",
        )
    }
    assert planned == DIGITS_CHAIN | downloads


def test_changed_sample_contents_rerun_the_digits_part(finished_run):
    sample = finished_run[0] / "data" / "mnist-sample.npz"
    original, stat = sample.read_bytes(), sample.stat()
    try:
        with np.load(sample) as npz:
            images, labels = npz["images"].copy(), npz["labels"]
        images[0] = 255 - images[0]
        np.savez_compressed(sample, images=images, labels=labels)
        assert plan(finished_run[0]) == DIGITS_CHAIN
    finally:
        sample.write_bytes(original)
        os.utime(sample, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert plan(finished_run[0]) == set()


@pytest.mark.parametrize(
    "override, message",
    [
        ("digits={source: mat, mat: /nope.mat}", "digits.mat: /nope.mat does not exist (digits.source is 'mat')"),
        ("digits={source: idx_dir, idx_dir: /nonexistent}", "digits.idx_dir: /nonexistent is not a folder"),
        ("digits={source: idx_dir, idx_dir: EMPTY}", "digits.idx_dir: EMPTY lacks train-images-idx3-ubyte"),
        ("digits={sample: /nope/sample.npz}", "digits.sample: /nope/sample.npz does not exist"),
        ("digits={snapshot: /nope/snapshot50.pkl}", "digits.snapshot: /nope/snapshot50.pkl does not exist"),
        (
            "faces={lists: [{name: mine, path: /nope/list.txt}]}",
            "faces.lists[0].path (mine): /nope/list.txt does not exist",
        ),
        (
            "face_models={alexnet: {weights: imagenet, imagenet: {path: /nope/alexnet.pth}}}",
            "face_models.alexnet.imagenet.path: /nope/alexnet.pth does not exist",
        ),
    ],
)
def test_a_missing_source_stops_the_run_before_any_job(finished_run, tmp_path, override, message):
    empty = tmp_path / "empty"
    empty.mkdir()
    override, message = override.replace("EMPTY", str(empty)), message.replace("EMPTY", str(empty))
    proc = snakemake(finished_run[0], "--configfile", "tiny.yaml", "--config", override, check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0 and message in out, out
    assert "Nothing to be done" not in out and "Select jobs to execute" not in out


def test_nested_overrides_have_the_schemas_types(finished_run):
    """The README's example, with --config: gamma 0.8 reruns the momentum run and what reads it."""
    planned = plan(finished_run[0], "--config", "digits={train: {momentum: {gamma: 0.8}}}")
    assert planned == {
        f"{OUT}/{p}"
        for p in (
            "digits/momentum/history.tsv",
            "digits/momentum/metrics.json",
            "digits/momentum/weights.npz",
            "digits/momentum/reference_protocol.json",
            "digits/figures/curves_momentum.png",
            "digits/figures/curves_momentum.svg",
            "digits/figures/weights_momentum.png",
            "digits/metrics.tsv",
            "digits/metrics.html",
            "metrics.tsv",
            "metrics.html",
        )
    }
    lr = plan(finished_run[0], "--config", "digits={train: {gd: {learning_rate: 2e-4}}}")
    assert f"{OUT}/digits/gd/metrics.json" in lr and f"{OUT}/digits/momentum/metrics.json" not in lr
    seeds = plan(finished_run[0], "--config", "face_models={seeds: [0, 1, 2]}")
    assert {f"{OUT}/faces/mlp/seed_2/metrics.json", f"{OUT}/faces/mlp/summary.json"} <= seeds
    assert f"{OUT}/faces/mlp/seed_0/metrics.json" not in seeds


def test_a_new_crop_size_is_made(finished_run):
    planned = plan(finished_run[0], "--config", "faces={crop: {sizes: [64, 227, 128]}}")
    assert {f"{OUT}/faces/arrays/synthetic_person_{p}_128.npy" for p in "abcdef"} <= planned


def test_bad_config_value_fails_before_any_job(tmp_path):
    workdir = copy_workflow(tmp_path)
    config = write_config(workdir / "bad.yaml", {"digits": {"source": "floppy"}})
    proc = snakemake(workdir, "--configfile", str(config), check=False)
    assert proc.returncode != 0
    message = proc.stdout + proc.stderr
    assert "'floppy' is not one of ['sample', 'idx_dir', 'download', 'mat']" in message
    assert "source" in message
    assert not (workdir / "results").exists()


@pytest.mark.parametrize(
    "override, message",
    [
        ("faces={crop: {sizes: [64, 128]}}", "[64, 128] does not contain items matching"),
        ("face_models={seeds: [-1]}", "-1 is less than the minimum of 0"),
        ("digits={split: {seed: -1}}", "-1 is less than the minimum of 0"),
        (
            "digits={split: {validation_size: 100000}}",
            "digits.split.validation_size = 100000 + test_size = 300 leaves no training images: the source has 10000",
        ),
        ("face_models={alexnet: {chunk_size: 0}}", "0 is less than the minimum of 1"),
        ("face_models={hidden_units: {actors: [{actor: Nobody}]}}", "['Nobody'] not among faces.actors"),
        ("run=../elsewhere", "does not match"),
        (
            "digits={train: {momentum: {gamma: fast}}}",
            "digits.train.momentum.gamma: 'fast' (set in --config) is not a number",
        ),
    ],
)
def test_settings_that_cannot_be_honoured_are_refused(finished_run, override, message):
    proc = snakemake(finished_run[0], "--configfile", "tiny.yaml", "--config", override, "-n", check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0 and message in out, out
    key = override.split("=")[0]
    assert key in out  # the setting is named


def test_runs_live_side_by_side(finished_run):
    """A second configuration is its own run: its own folder and its own summary table."""
    workdir, _ = finished_run
    before = {p: p.stat().st_mtime_ns for p in (workdir / OUT).rglob("*") if p.is_file()}
    other = {**TINY, "run": "digits-only", "experiments": ["digits"]}
    snakemake(workdir, "--configfile", str(write_config(workdir / "digits-only.yaml", other)))
    summary = (workdir / "results" / "digits-only" / "metrics.tsv").read_text().splitlines()
    assert summary[0].startswith("experiment") and len(summary) > 1
    assert all(line.startswith("digits: ") for line in summary[1:])
    assert not (workdir / "results" / "digits-only" / "faces").exists()
    after = {p: p.stat().st_mtime_ns for p in (workdir / OUT).rglob("*") if p.is_file()}
    assert after == before  # the first run is untouched
    assert plan(workdir) == set()


def test_a_config_file_without_a_run_name_gets_its_own_folder(tmp_path):
    workdir = copy_workflow(tmp_path)
    config = {k: v for k, v in TINY.items() if k != "run"}
    proc = snakemake(workdir, "digits", "--configfile", str(write_config(workdir / "my-study.yaml", config)), "-n")
    outputs = planned_outputs(proc.stdout)
    assert outputs and all(o.startswith("results/my-study/") for o in outputs)
