"""AlexNet feature extraction: layer names, weights (offline), preprocessing, batching, chunk files."""

from __future__ import annotations

import argparse

import numpy as np
import pytest
import torch

from digitface.faces.models.alexnet import extract_chunk_to_file, extract_features, preprocess_crops
from digitface.faces.models.alexnet_network import LAYERS, build_extractor, load_alexnet, output_shape, truncate


@pytest.fixture(scope="module")
def random_model():
    model, meta = load_alexnet("random", seed=0)
    return model, meta


@pytest.fixture(scope="module")
def crops():
    return np.random.default_rng(0).integers(0, 256, (5, 227, 227, 3), dtype=np.uint8)


# torchvision's AlexNet at 227x227: conv1 (k11, s4, p2) -> 56; pool 3/2 -> 27; conv2 keeps 27;
# pool -> 13; conv3..conv5 keep 13; pool5 -> 6.
EXPECTED = {
    "conv1": (64, 56, 56),
    "conv2": (192, 27, 27),
    "conv3": (384, 13, 13),
    "conv4": (256, 13, 13),
    "conv5": (256, 13, 13),
}


@pytest.fixture(scope="module")
def full_features(random_model):
    """Every intermediate output of the untouched torchvision features on one 227 input."""
    model, _ = random_model
    x = torch.randn(1, 3, 227, 227, generator=torch.Generator().manual_seed(1))
    outs = []
    with torch.inference_mode():
        h = x.clone()
        for module in model.features:
            h = module(h.clone())  # clone: in-place ReLUs must not overwrite kept outputs
            outs.append(h.clone())
    return x, outs


@pytest.mark.parametrize("layer", [f"conv{i}{r}" for i in range(1, 6) for r in ("", "_relu")])
def test_layer_shape_and_equal_to_the_full_network_cut_there(layer, random_model, full_features):
    model, _ = random_model
    x, outs = full_features
    net = truncate(model, layer)
    with torch.inference_mode():
        out = net(x.clone())
    assert tuple(out.shape[1:]) == EXPECTED[layer.split("_")[0]]
    assert output_shape(net) == EXPECTED[layer.split("_")[0]]
    torch.testing.assert_close(out, outs[LAYERS[layer]], rtol=0, atol=0)
    if layer.endswith("_relu"):
        assert out.min() >= 0
    else:
        assert out.min() < 0  # no ReLU applied


def test_layer_map_points_at_the_right_module_kinds(random_model):
    model, _ = random_model
    for name, idx in LAYERS.items():
        kind = {"conv": torch.nn.Conv2d, "relu": torch.nn.ReLU, "pool": torch.nn.MaxPool2d}[
            name.split("_")[1] if "_" in name else name.rstrip("12345")
        ]
        assert isinstance(model.features[idx], kind), name
    conv_idx = [i for i, m in enumerate(model.features) if isinstance(m, torch.nn.Conv2d)]
    assert [LAYERS[f"conv{k}"] for k in range(1, 6)] == conv_idx
    assert [LAYERS[f"conv{k}_relu"] for k in range(1, 6)] == [i + 1 for i in conv_idx]
    with pytest.raises(ValueError, match="unknown layer"):
        truncate(model, "fc6")


def test_conv5_is_the_reference_43264_features():
    _, meta = build_extractor("conv5", "random", seed=0)
    assert meta["n_features"] == 256 * 13 * 13 == 43264
    assert meta["weights"] == "random" and meta["pretrained"] is False
    assert "NOT ImageNet" in meta["description"]


def test_random_weights_are_seeded_and_leave_the_global_rng_alone():
    state = torch.get_rng_state()
    a, _ = load_alexnet("random", seed=3)
    b, _ = load_alexnet("random", seed=3)
    c, _ = load_alexnet("random", seed=4)
    assert torch.equal(state, torch.get_rng_state())
    assert all(torch.equal(p, q) for p, q in zip(a.state_dict().values(), b.state_dict().values()))
    assert not torch.equal(a.features[0].weight, c.features[0].weight)


def _save_random_state(path, seed):
    model, _ = load_alexnet("random", seed=seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), path)
    return model


def test_local_pth_loads_with_weights_only_and_gives_that_models_outputs(tmp_path, crops):
    path = tmp_path / "weights" / "alexnet_local.pth"
    model = _save_random_state(path, seed=11)
    loaded, meta = load_alexnet("imagenet", path=path)
    assert meta["file"] == str(path) and meta["weights"] == "imagenet"
    a = extract_features(crops[:2], truncate(model, "conv5"), batch_size=2, device="cpu")
    b = extract_features(crops[:2], truncate(loaded, "conv5"), batch_size=2, device="cpu")
    np.testing.assert_array_equal(a, b)

    evil = tmp_path / "evil.pth"  # arbitrary pickled objects are refused by weights_only
    torch.save({"x": argparse.Namespace(a=1)}, evil)
    with pytest.raises(Exception, match="[Ww]eights only"):
        load_alexnet("imagenet", path=evil)
    with pytest.raises(FileNotFoundError):
        load_alexnet("imagenet", path=tmp_path / "missing.pth")
    with pytest.raises(ValueError, match="needs the weights file"):
        load_alexnet("imagenet")
    with pytest.raises(ValueError):
        load_alexnet("random", path=path)
    with pytest.raises(ValueError, match="unknown AlexNet weights"):
        load_alexnet("vgg")


def test_preprocessing_ranges_and_channel_order():
    img = np.zeros((1, 4, 4, 3), dtype=np.uint8)
    img[..., 0] = 255  # pure red
    ref = preprocess_crops(torch.from_numpy(img), "reference")
    assert ref.shape == (1, 3, 4, 4) and ref.dtype == torch.float32
    assert torch.all(ref[:, 0] == 1) and torch.all(ref[:, 1:] == -1)
    net = preprocess_crops(torch.from_numpy(img), "imagenet")
    mean, std = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
    expected = [(1 - mean[0]) / std[0], -mean[1] / std[1], -mean[2] / std[2]]
    for c in range(3):
        torch.testing.assert_close(net[:, c], torch.full((1, 4, 4), expected[c]))
    full = torch.arange(256, dtype=torch.uint8).view(1, 16, 16, 1).expand(1, 16, 16, 3)
    x = preprocess_crops(full, "reference")
    assert x.min() == -1 and x.max() == 1
    with pytest.raises(ValueError):
        preprocess_crops(full, "zscore")


def test_batched_extraction_equals_one_big_batch(random_model, crops):
    net = truncate(random_model[0], "conv5")
    one = extract_features(crops, net, "imagenet", batch_size=len(crops), device="cpu")
    assert one.shape == (5, 43264) and one.dtype == np.float32
    batched = extract_features(crops, net, "imagenet", batch_size=2, device="cpu")
    np.testing.assert_allclose(batched, one, rtol=1e-5, atol=1e-5 * np.abs(one).max())
    with torch.inference_mode():
        direct = net(preprocess_crops(torch.from_numpy(crops[:1]), "imagenet")).reshape(1, -1).numpy()
    np.testing.assert_allclose(one[:1], direct, rtol=1e-5, atol=1e-5 * np.abs(one).max())
    with pytest.raises(ValueError, match="uint8"):
        extract_features(crops.astype(np.float32), net)
    assert extract_features(crops[:0], net, device="cpu").shape == (0, 43264)
    into = np.zeros((5, 43264), dtype=np.float16)
    assert extract_features(crops, net, "imagenet", batch_size=3, device="cpu", out=into) is into
    np.testing.assert_allclose(into.astype(np.float32), one, rtol=1e-3, atol=1e-3 * np.abs(one).max())
    with pytest.raises(ValueError, match="out has shape"):
        extract_features(crops, net, device="cpu", out=np.zeros((5, 10), dtype=np.float32))


def test_chunk_file_is_atomic_and_memmappable(tmp_path, random_model, crops, caplog):
    net = truncate(random_model[0], "conv4_relu")
    path = tmp_path / "chunks" / "chunk_000.npy"
    with caplog.at_level("INFO", logger="digitface.faces.models.alexnet"):
        info = extract_chunk_to_file(crops[:3], path, net, batch_size=2, device="cpu", progress_interval=0.0)
    # A progress line per batch here (interval 0): done/total, then the final one.
    lines = [r.getMessage() for r in caplog.records if "AlexNet features" in r.getMessage()]
    assert [line.split(": ")[2].split(" ")[0] for line in lines] == ["2/3", "3/3"]
    assert "ETA" in lines[-1]
    assert info["shape"] == [3, 256 * 13 * 13] and info["dtype"] == "float32"
    mm = np.load(path, mmap_mode="r")
    assert isinstance(mm, np.memmap) and mm.shape == (3, 43264)
    np.testing.assert_array_equal(mm, extract_features(crops[:3], net, batch_size=2, device="cpu"))

    half = tmp_path / "chunks" / "chunk_half.npy"
    extract_chunk_to_file(crops[:3], half, net, batch_size=2, device="cpu", dtype="float16")
    h = np.load(half, mmap_mode="r")
    assert h.dtype == np.float16 and path.stat().st_size > 1.9 * half.stat().st_size
    np.testing.assert_allclose(h.astype(np.float32), mm, rtol=1e-3, atol=1e-3 * float(np.abs(mm).max()))

    empty = tmp_path / "chunks" / "empty.npy"
    assert extract_chunk_to_file(crops[:0], empty, net, device="cpu")["shape"] == [0, 43264]
    assert np.load(empty, mmap_mode="r").shape == (0, 43264)
    empty.unlink()

    # a job killed part-way (here: failing on its second batch) leaves the old file untouched
    # and no partial file behind
    before = path.read_bytes()
    calls = {"n": 0}

    def failing(x):
        calls["n"] += 1
        if calls["n"] > 1:
            raise RuntimeError("killed")
        return net(x)

    class Failing(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.net = net

        def forward(self, x):
            return failing(x)

    with pytest.raises(RuntimeError, match="killed"):
        extract_chunk_to_file(crops[:3], path, Failing(), batch_size=2, device="cpu")
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["chunk_000.npy", "chunk_half.npy"]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_extraction_matches_cpu(random_model, crops):
    net = truncate(random_model[0], "conv5")
    cpu = extract_features(crops[:2], net, batch_size=2, device="cpu")
    gpu = extract_features(crops[:2], net, batch_size=2, device="cuda")
    net.to("cpu")
    np.testing.assert_allclose(gpu, cpu, rtol=1e-3, atol=1e-3 * np.abs(cpu).max())
