"""Settings derived from the configuration: the AlexNet weights follow the data unless set, and a
feature set is named by what its features depend on."""

from __future__ import annotations

from digitface.config.derived import resolved_weights
from testkit.workflow import default_config


def test_weights_follow_the_data_unless_set():
    config = default_config()
    assert resolved_weights(config) == "random"  # the synthetic sample
    config["faces"]["lists"] = [{"name": "real", "path": "x.txt", "synthetic": False}]
    assert resolved_weights(config) == "imagenet"
    config["face_models"]["alexnet"]["weights"] = "random"
    assert resolved_weights(config) == "random"


def test_the_feature_set_is_named_by_what_the_features_depend_on():
    from digitface.config.derived import extraction_settings, feature_set

    config = default_config()
    assert feature_set(config) == "conv5-random0-reference-c100"
    config["face_models"]["alexnet"].update(dtype="float16", layer="conv4", seed=3)
    assert feature_set(config) == "conv4-random3-reference-c100-f16"
    config["face_models"]["alexnet"]["weights"] = "imagenet"
    assert feature_set(config).startswith("conv4-imagenet-7be5be79-")
    before = extraction_settings(config)
    config["face_models"]["alexnet"]["mlp"]["epochs"] = 5  # the MLP's schedule is not the features'
    config["face_models"]["alexnet"]["chunks_per_job"] = 3  # nor is how chunks are grouped into jobs
    config["face_models"]["alexnet"]["imagenet"]["urls"] = ["http://mirror.example/alexnet.pth"]
    assert extraction_settings(config) == before
