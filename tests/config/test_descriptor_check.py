"""The face descriptor's model files are checked before any job: missing, they are named with
the fix; turned off, nothing is asked of dlib."""

from __future__ import annotations

from digitface.config.checks import faces_problems
from digitface.faces.models import face_descriptor
from testkit.workflow import default_config


def test_missing_model_files_are_named_with_the_fix(tmp_path, monkeypatch):
    monkeypatch.setattr(face_descriptor, "models_dir", lambda: tmp_path)
    (tmp_path / face_descriptor.LANDMARKS_FILE).write_bytes(b"present")
    (problem,) = faces_problems(default_config())
    assert problem.startswith("face_models.descriptor.enabled: ")
    assert face_descriptor.RESNET_FILE in problem and face_descriptor.LANDMARKS_FILE not in problem
    assert "pip install --force-reinstall face-recognition-models==0.3.0, or set it to false" in problem


def test_installed_models_pass_and_a_run_without_the_descriptor_asks_nothing(tmp_path, monkeypatch):
    assert faces_problems(default_config()) == []
    monkeypatch.setattr(face_descriptor, "models_dir", lambda: tmp_path)  # empty: would fail if asked
    config = default_config()
    config["face_models"]["descriptor"]["enabled"] = False
    assert faces_problems(config) == []
