"""One default per setting: the schema (what a user reads and the workflow fills in) and the
settings dataclasses (what the package uses when called directly) agree on every key they share."""

from __future__ import annotations

from dataclasses import fields

import pytest
import yaml

from digitface.digits.download import DownloadSettings
from digitface.faces.data.crop_settings import CropSettings
from digitface.faces.data.fetch import FetchSettings
from digitface.faces.data.split import SplitSettings
from digitface.faces.models.mlp_result import MLPSettings
from digitface.pinned import Transfer
from testkit.workflow import REPO

SCHEMA = yaml.safe_load((REPO / "schemas/config.schema.yaml").read_text())


def schema_defaults(*path: str) -> dict:
    node = SCHEMA
    for key in path:
        node = node["properties"][key]
    return {k: v["default"] for k, v in node["properties"].items() if "default" in v}


@pytest.mark.parametrize(
    "settings, path, renamed",
    [
        (FetchSettings, ("faces", "download"), {}),
        (CropSettings, ("faces", "crop"), {}),
        (SplitSettings, ("face_models", "split"), {}),
        (MLPSettings, ("face_models", "mlp"), {}),
        (DownloadSettings, ("digits", "download"), {}),
        (Transfer, ("face_models", "alexnet", "imagenet"), {}),
    ],
)
def test_schema_and_dataclass_defaults_agree(settings, path, renamed):
    defaults = schema_defaults(*path)
    shared = [f for f in fields(settings) if renamed.get(f.name, f.name) in defaults]
    assert len(shared) >= 3, (settings.__name__, defaults)
    for field in shared:
        expected = defaults[renamed.get(field.name, field.name)]
        got = field.default
        assert (list(got) if isinstance(got, tuple) else got) == expected, (settings.__name__, field.name)
