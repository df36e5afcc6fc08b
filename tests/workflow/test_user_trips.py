"""What a new user trips on, through the real command: lists with a byte-order mark, another
encoding or only a header, a number written as text in a config file, names and paths beyond
the file system's limits, and a report asked for after any target (or before any)."""

from __future__ import annotations

import codecs
import csv
import hashlib

import pytest

from testkit.workflow import copy_workflow, snakemake, write_config

LIST = "data/synthetic_faces/synthetic_faces.txt"
LONG_NAME = "Synthetic Person With " + "A Very Long Name " * 16  # 278 characters


def _config(run: str, list_name: str, actors: list[str]) -> dict:
    return {
        "run": run,
        "experiments": ["faces"],
        "faces": {
            "lists": [{"name": "edited", "path": f"data/synthetic_faces/{list_name}", "synthetic": True}],
            "actors": actors,
        },
        "face_models": {"hidden_units": {"actors": [{"actor": actors[0]}]}},
    }


def _refused(workdir, config: dict) -> str:
    proc = snakemake(
        workdir, "faces_data", "--configfile", str(write_config(workdir / "trip.yaml", config)), check=False
    )
    assert proc.returncode != 0, proc.stdout + proc.stderr
    assert not (workdir / "results").exists()  # before any job
    return proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def edited(tmp_path_factory):
    """The bundled list saved by an editor that adds a byte-order mark, with Person B renamed to
    a name longer than a file name may be, and the faces data built from it."""
    workdir = copy_workflow(tmp_path_factory.mktemp("edited"))
    text = (workdir / LIST).read_text(encoding="utf-8").replace("Synthetic Person B\t", f"{LONG_NAME}\t")
    (workdir / "data/synthetic_faces/edited.txt").write_bytes(codecs.BOM_UTF8 + text.encode("utf-8"))
    config = write_config(workdir / "edited.yaml", _config("edited", "edited.txt", ["Synthetic Person A", LONG_NAME]))
    snakemake(workdir, "faces_data", "--configfile", str(config))
    return workdir, config


def test_a_byte_order_mark_does_not_cost_the_first_row(edited):
    workdir, _ = edited
    faces = workdir / "results/edited/faces"
    assert (faces / "lists/rejects.tsv").read_text().count("\n") == 1  # the header alone
    with open(faces / "manifests/synthetic_person_a.tsv", newline="") as fh:
        first = next(r for r in csv.DictReader(fh, delimiter="\t") if r["face_id"] == "100001")
    assert first["name"] == "Synthetic Person A" and first["outcome"] == "ok"


def test_a_name_too_long_for_a_file_name_gets_a_short_unique_one(edited):
    workdir, _ = edited
    slug = (
        "synthetic_person_with_a_very_long_name_a_very_long_name_a_very_long_nam_"
        + hashlib.sha256(LONG_NAME.encode()).hexdigest()[:8]
    )
    faces = workdir / "results/edited/faces"
    assert (faces / f"arrays/{slug}_227.npy").stat().st_size > 0
    crops = list((faces / "crops/64").glob(f"{slug}_*.png"))
    assert len(crops) == 60 and max(len(p.name) for p in crops) < 255


def test_a_report_follows_any_target_and_before_any_says_what_to_run(edited, tmp_path):
    workdir, config = edited
    proc = snakemake(workdir, "--configfile", str(config), "--report", "faces-data.html")
    html = (workdir / "faces-data.html").read_text()
    assert '"Faces data"' in html and '"Faces models"' not in html and '"Digits"' not in html

    fresh = copy_workflow(tmp_path / "fresh")
    proc = snakemake(fresh, "--report", "report.html", check=False)
    assert proc.returncode != 0 and not (fresh / "report.html").exists()
    assert (
        "nothing of this run is built yet (results/sample/ holds none of its results): run `snakemake --cores 4`"
    ) in proc.stderr
    assert "then `snakemake --report report.html`" in proc.stderr


@pytest.mark.parametrize(
    "content, reason",
    [
        (b"", "bad.txt is empty"),
        (b"name\timage_id\tface_id\turl\tbbox\tsha256\r\n", "it has only FaceScrub's header line, no rows"),
        (
            codecs.BOM_UTF16_LE + "Synthetic Person A\t1\t2".encode("utf-16-le"),
            "expected 6 tab-separated fields, got 3",
        ),
        ("Pérson A\t1\t2\timages/a.jpg\t1,2,3,4\t".encode("latin-1") + b"a" * 64, "line 1 is not UTF-8"),
    ],
)
def test_a_list_with_no_usable_row_is_refused_before_any_job_naming_the_file(tmp_path, content, reason):
    workdir = copy_workflow(tmp_path)
    (workdir / "data/synthetic_faces/bad.txt").write_bytes(content)
    out = _refused(workdir, _config("bad", "bad.txt", ["Synthetic Person A", "Synthetic Person D"]))
    assert "faces.lists[0].path (edited): data/synthetic_faces/bad.txt" in out and reason in out


def test_a_utf16_list_is_read(tmp_path):
    from digitface.faces.data.lists import parse_list

    text = (copy_workflow(tmp_path) / LIST).read_text(encoding="utf-8")
    rows, rejects = parse_list(text.encode("utf-16"), "utf16.txt")
    assert len(rows) == 360 and not rejects and rows[0].name == "Synthetic Person A"


def test_a_number_written_as_text_in_a_config_file_is_refused_with_the_fix(tmp_path):
    workdir = copy_workflow(tmp_path)
    path = workdir / "quoted.yaml"
    path.write_text("face_models:\n  alexnet:\n    chunk_size: '100'\n")
    proc = snakemake(workdir, "--configfile", str(path), check=False)
    assert proc.returncode != 0 and not (workdir / "results").exists()
    assert (
        f"face_models.alexnet.chunk_size: '100' (set in {path}) is text, where the setting takes an "
        "integer: write it without quotes (chunk_size: 100)"
    ) in proc.stderr
    # The same value typed on the command line is what --config means: a number.
    assert snakemake(workdir, "-n", "--config", "face_models={alexnet: {chunk_size: 100}}").returncode == 0


def test_a_path_beyond_the_file_systems_limits_is_refused_naming_the_key(tmp_path):
    workdir = copy_workflow(tmp_path)
    config = _config("long", "x" * 300 + ".txt", ["Synthetic Person A", "Synthetic Person D"])
    out = _refused(workdir, config)
    assert "faces.lists[0].path (edited): data/synthetic_faces/xxxx" in out and "File name too long" in out


def test_a_run_that_may_not_fit_on_the_disk_stops_before_any_job(tmp_path):
    """results/ on a 3 MB file system (a tmpfs): the sample's 360 listed faces may need 180 MB."""
    import subprocess

    workdir = copy_workflow(tmp_path)
    results = workdir / "results"
    results.mkdir()
    if (
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(results)], capture_output=True).returncode
        != 0
    ):
        from testkit.workflow import unavailable

        unavailable("needs to mount a small tmpfs (root)")
    try:
        proc = snakemake(workdir, "faces_data", check=False)
        assert proc.returncode != 0 and not any(results.iterdir())
        assert (
            "faces: the 360 listed rows of the 6 configured actors can make up to 360 faces of 507 kB each on "
            "disk (crop arrays 167 kB, crop pictures 167 kB, AlexNet conv5 float32 features 173 kB): 0.2 GB, "
            "but results/sample has 0.0 GB free"
        ) in proc.stderr
        assert "face_models.alexnet.dtype" in proc.stderr and "faces.disk_face_share" in proc.stderr
        # Planning makes nothing: a dry run and the DAG are not refused.
        assert "crop_batch" in snakemake(workdir, "faces_data", "-n").stdout
        # The share of rows the user expects to become faces: 1% of 360 rows fits in 3 MB.
        snakemake(workdir, "faces_data", "--config", "faces={disk_face_share: 0.01}", "--until", "index_face_lists")
    finally:
        subprocess.run(["umount", str(results)], check=True)


def test_the_disk_check_knows_each_layers_size_without_torch():
    from digitface.capacity import LAYER_VALUES
    from digitface.faces.models.alexnet_network import build_extractor

    for layer, values in LAYER_VALUES.items():
        _, meta = build_extractor(layer, "random", seed=0)
        assert meta["n_features"] == values, layer


def test_a_job_that_may_not_fit_in_memory_stops_the_run_before_any_job(tmp_path):
    """--resources mem_mb says what the run may use: a rule that declares more is named with
    the setting that sizes it, before anything runs (not when its job comes up, hours in)."""
    workdir = copy_workflow(tmp_path)
    faces_only = ["--config", "experiments=[faces]", "--resources", "mem_mb=3500"]
    proc = snakemake(workdir, *faces_only, check=False)
    assert proc.returncode != 0 and not (workdir / "results").exists(), proc.stdout + proc.stderr
    assert (
        "memory: 3 rule(s) of this run declare more memory than --resources mem_mb gives (3,500 MB): "
        "crop_batch 4,000 MB, split_faces 4,000 MB, train_alexnet_mlp 4,000 MB"
    ) in proc.stderr
    assert "--set-resources crop_batch:mem_mb=<MB>" in proc.stderr
    # with the settings lowered, as the message says, it plans
    lowered = [f"{rule}:mem_mb=3000" for rule in ("crop_batch", "split_faces", "train_alexnet_mlp")]
    proc = snakemake(workdir, "-n", *faces_only, "--set-resources", *lowered)
    assert "crop_batch" in proc.stdout


def test_what_a_run_already_made_counts_towards_the_disk_it_needs(tmp_path):
    """A rerun of a half-done run needs only the rest: its crop arrays (and the pictures of the
    same pixels) and feature chunks are on the disk already."""
    from digitface.capacity import bytes_made, disk_problem

    config = {
        "experiments": ["faces"],
        "faces": {"lists": [{"path": str(tmp_path / "list.txt")}], "actors": ["A"], "crop": {"sizes": [64]}},
        "face_models": {"alexnet": {"layer": "conv5", "dtype": "float16"}},
    }
    (tmp_path / "list.txt").write_text("".join(f"A\t{i}\n" for i in range(10)))
    per_face = 64 * 64 * 3 * 2 + 256 * 13 * 13 * 2
    results = tmp_path / "results"
    assert disk_problem(config, results, free=10 * per_face - 1) is not None
    (results / "faces/arrays").mkdir(parents=True)
    (results / "faces/arrays/a_64.npy").write_bytes(bytes(4 * 64 * 64 * 3))
    chunks = results / "faces/alexnet/conv5-random0-reference-c100/chunks"
    chunks.mkdir(parents=True)
    (chunks / "0123.npy").write_bytes(bytes(4 * 256 * 13 * 13 * 2))
    assert bytes_made(results) == 4 * per_face
    config["faces"]["disk_face_share"] = 0.5  # 5 of the 10 rows expected to become faces
    assert disk_problem(config, results, free=per_face) is None
    assert "counted at faces.disk_face_share 0.5, make 5 faces" in disk_problem(config, results, free=per_face - 1)
    config["faces"]["disk_face_share"] = 1
    assert disk_problem(config, results, free=6 * per_face) is None
    assert disk_problem(config, results, free=6 * per_face - 1) is not None
