"""A run's name: set, or named after the config file, and always one folder name."""

from __future__ import annotations

import pytest

from digitface.config import ConfigError
from digitface.config.run_name import run_name


def test_run_name_is_set_or_named_after_the_config_file():
    assert run_name({}) == "sample"
    assert run_name({}, ["configs/mnist-full.yaml"]) == "mnist-full"
    assert run_name({"run": "mine"}, ["configs/mnist-full.yaml"]) == "mine"
    with pytest.raises(ConfigError, match="not a folder name"):
        run_name({"run": "../elsewhere"})
