"""Typed overrides: what Snakemake makes of a nested ``--config`` string is given the schema's
types, and what is not of the type stays a string for validation to refuse. (The same through
the real command line: tests/workflow/test_run_settings.py.)"""

from __future__ import annotations

import yaml

from digitface.config.overrides import coerce_to_schema
from testkit.workflow import REPO

SCHEMA = yaml.safe_load((REPO / "schemas/config.schema.yaml").read_text())


def test_nested_override_strings_get_the_schemas_types():
    # What Snakemake's BaseLoader makes of --config digits='{train: {momentum: {gamma: 0.8}}}' etc.
    given = {
        "digits": {
            "train": {"momentum": {"gamma": "0.8", "iterations": "300"}, "refit": "true"},
            "split": {"test_size": "null", "seed": "3"},
            "source": "mat",
        },
        "face_models": {"seeds": ["0", "1"], "mlp": {"learning_rate": "2e-4"}},
        "faces": {"crop": {"sizes": "[64, 227, 128]"}, "actors": ["007", "Jane"]},
        "gpu": "yes",
    }
    got = coerce_to_schema(given, SCHEMA)
    assert got["digits"]["train"]["momentum"] == {"gamma": 0.8, "iterations": 300}
    assert got["digits"]["train"]["refit"] is True and got["gpu"] is True
    assert got["digits"]["split"] == {"test_size": None, "seed": 3} and got["digits"]["source"] == "mat"
    assert got["face_models"]["seeds"] == [0, 1] and got["face_models"]["mlp"]["learning_rate"] == 2e-4
    assert got["faces"]["crop"]["sizes"] == [64, 227, 128]
    assert got["faces"]["actors"] == ["007", "Jane"]  # strings stay strings where strings belong


def test_strings_that_are_not_the_type_stay_strings_for_validation_to_refuse():
    got = coerce_to_schema({"digits": {"train": {"momentum": {"gamma": "fast", "iterations": "1.5"}}}}, SCHEMA)
    assert got["digits"]["train"]["momentum"] == {"gamma": "fast", "iterations": "1.5"}
    assert coerce_to_schema({"digits": {"train": {"momentum": {"iterations": "yes"}}}}, SCHEMA) == {
        "digits": {"train": {"momentum": {"iterations": "yes"}}}
    }  # YAML's True is no integer
