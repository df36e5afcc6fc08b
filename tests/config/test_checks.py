"""The checks that refuse a setting before any job: every digits source checked and counted from
its headers, missing and broken files named with their setting, split sizes against the data,
and every problem at once. (The same cases through the real command line:
tests/workflow/test_run_settings.py.)"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.io import savemat

from digitface.config import ConfigError
from digitface.config.checks import check_config, digits_source_problems, split_problems
from testkit.digits import write_idx_folder
from testkit.workflow import default_config


def test_every_source_is_checked_and_counted_from_headers(tmp_path):
    config = default_config()["digits"]
    assert digits_source_problems(config) == ([], {"train": 10_000})
    folder = write_idx_folder(tmp_path / "idx", n_train=50, n_test=20)
    assert digits_source_problems({**config, "source": "idx_dir", "idx_dir": str(folder)}) == (
        [],
        {"train": 50, "test": 20},
    )
    mat = tmp_path / "mnist_all.mat"
    savemat(mat, {f"{p}{d}": np.zeros((3 + d, 784), np.uint8) for p in ("train", "test") for d in range(10)})
    assert digits_source_problems({**config, "source": "mat", "mat": str(mat)}) == ([], {"train": 75, "test": 75})
    assert digits_source_problems({**config, "source": "download"}) == ([], {"train": 60_000, "test": 10_000})


@pytest.mark.parametrize(
    "change, message",
    [
        ({"source": "mat", "mat": ""}, "digits.mat is empty (digits.source is 'mat')"),
        ({"source": "mat", "mat": "/nope.mat"}, "digits.mat: /nope.mat does not exist"),
        ({"source": "idx_dir", "idx_dir": "/nonexistent"}, "digits.idx_dir: /nonexistent is not a folder"),
        ({"source": "sample", "sample": "/no/sample.npz"}, "digits.sample: /no/sample.npz does not exist"),
    ],
)
def test_missing_sources_name_the_setting_and_the_path(change, message):
    problems, counts = digits_source_problems({**default_config()["digits"], **change})
    assert len(problems) == 1 and message in problems[0] and counts is None


def test_broken_source_files_are_named(tmp_path):
    digits = default_config()["digits"]
    empty = tmp_path / "empty"
    empty.mkdir()
    problems, _ = digits_source_problems({**digits, "source": "idx_dir", "idx_dir": str(empty)})
    assert problems == [
        f"digits.idx_dir: {empty} lacks train-images-idx3-ubyte, train-labels-idx1-ubyte, "
        "t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (.gz or not)"
    ]
    (tmp_path / "zero.mat").write_bytes(b"")
    problems, _ = digits_source_problems({**digits, "source": "mat", "mat": str(tmp_path / "zero.mat")})
    assert problems == [f"digits.mat: {tmp_path / 'zero.mat'} is empty (digits.source is 'mat')"]
    (tmp_path / "html.mat").write_bytes(b"<html>404</html>" * 20)
    problems, _ = digits_source_problems({**digits, "source": "mat", "mat": str(tmp_path / "html.mat")})
    assert problems[0].startswith(f"digits.mat: {tmp_path / 'html.mat'} is not a MAT file")


def test_split_sizes_are_checked_against_the_data():
    assert split_problems({"validation_size": 1000, "test_size": None}, {"train": 10_000}) == []
    assert split_problems({"validation_size": 8000, "test_size": 2000}, {"train": 10_000}) == [
        "digits.split.validation_size = 8000 + test_size = 2000 leaves no training images: the source has 10000"
    ]
    assert split_problems({"validation_size": 60_000, "test_size": None}, {"train": 60_000, "test": 10_000}) == [
        "digits.split.validation_size = 60000 leaves no training images: the source has 60000"
    ]
    assert (
        "leave test_size empty"
        in split_problems({"validation_size": 10, "test_size": 5}, {"train": 60_000, "test": 10_000})[0]
    )


def test_check_config_lists_every_problem_at_once():
    config = default_config()
    config["digits"].update(source="mat", mat="/nope.mat", snapshot="/nope.pkl")
    config["faces"]["actors"] = ["Synthetic Person A", "synthetic  person a!"]
    config["face_models"]["hidden_units"]["actors"] = [{"actor": "Nobody", "image_id": 0}]
    with pytest.raises(ConfigError) as err:
        check_config(config)
    message = str(err.value)
    for part in (
        "digits.mat: /nope.mat does not exist",
        "digits.snapshot: /nope.pkl does not exist",
        "share the folder name 'synthetic_person_a'",
        "['Nobody'] not among faces.actors",
    ):
        assert part in message
