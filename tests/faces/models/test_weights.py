"""The ImageNet AlexNet weights as data: pinned by SHA-256, fetched from the first source that
serves them, resumed after a broken transfer, and never accepted with other bytes. A generated
state dict on a loopback server plays the part of torchvision's file."""

from __future__ import annotations

import hashlib
import io

import pytest
import torch
import torchvision
import yaml

from digitface.faces.models import weights as w
from digitface.pinned import SourcesExhausted, part_path
from testkit.loopback import LoopbackServer, Route, closed_port
from testkit.workflow import REPO


@pytest.fixture(scope="module")
def state_bytes() -> bytes:
    """A real (small) torch state dict: what the extraction job will load with weights_only."""
    buf = io.BytesIO()
    torch.save({"features.0.weight": torch.arange(60_000, dtype=torch.float32)}, buf)
    return buf.getvalue()


def settings(urls, sha256, **changes) -> dict:
    """The schema's defaults for face_models.alexnet.imagenet, with ``changes``."""
    schema = yaml.safe_load((REPO / "schemas/config.schema.yaml").read_text())
    props = schema["properties"]["face_models"]["properties"]["alexnet"]["properties"]["imagenet"]["properties"]
    base = {k: v["default"] for k, v in props.items()}
    return {
        **base,
        "urls": list(urls),
        "sha256": sha256,
        "retries": 0,
        "connect_timeout": 2,
        "read_timeout": 2,
        **changes,
    }


@pytest.fixture(autouse=True)
def empty_torch_home(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch-home"))
    return tmp_path / "torch-home"


def test_pinned_defaults_are_torchvisions_file():
    """The default URL is the one torchvision's weights API names, and the pinned SHA-256 starts
    with the hash prefix torchvision puts in the file name."""
    url = torchvision.models.AlexNet_Weights.IMAGENET1K_V1.url
    defaults = settings([w.TORCHVISION_URL], "0" * 64)
    schema = yaml.safe_load((REPO / "schemas/config.schema.yaml").read_text())
    imagenet = schema["properties"]["face_models"]["properties"]["alexnet"]["properties"]["imagenet"]
    assert w.TORCHVISION_URL == url == imagenet["properties"]["urls"]["default"][0]
    prefix = url.rsplit("-", 1)[1].split(".")[0]
    assert imagenet["properties"]["sha256"]["default"].startswith(prefix)
    assert defaults["max_bytes"] > 244_408_911  # the real file's size


def test_hub_folder_is_torchs(empty_torch_home):
    assert w.hub_checkpoint_dir() == empty_torch_home / "hub" / "checkpoints"
    assert str(w.hub_checkpoint_dir().parent) == torch.hub._get_torch_home() + "/hub"


def test_dead_mirror_then_a_good_one(tmp_path, state_bytes):
    sha = hashlib.sha256(state_bytes).hexdigest()
    with LoopbackServer() as server:
        server.add(server.url("/good.pth"), Route("body", state_bytes))
        dead = f"http://127.0.0.1:{closed_port()}/alexnet.pth"
        dest = tmp_path / "out" / f"{sha}.pth"
        used = w.fetch_alexnet_weights(settings([dead, server.url("/missing.pth"), server.url("/good.pth")], sha), dest)
    assert used == server.url("/good.pth") and dest.read_bytes() == state_bytes
    assert not part_path(dest).exists()
    assert torch.load(dest, weights_only=True)["features.0.weight"][-1] == 59_999


def test_wrong_bytes_are_never_accepted(tmp_path, state_bytes):
    sha = hashlib.sha256(state_bytes).hexdigest()
    with LoopbackServer() as server:
        server.add(server.url("/other.pth"), Route("body", state_bytes[:-10] + b"0123456789"))
        dest = tmp_path / f"{sha}.pth"
        with pytest.raises(SourcesExhausted) as err:
            w.fetch_alexnet_weights(settings([server.url("/other.pth")], sha), dest)
    message = str(err.value)
    assert f"is not the pinned {sha}" in message and server.url("/other.pth") in message
    assert not dest.exists() and not part_path(dest).exists()  # the wrong bytes are gone


def test_a_truncated_transfer_is_resumed_not_restarted(tmp_path, state_bytes):
    sha = hashlib.sha256(state_bytes).hexdigest()
    dest = tmp_path / f"{sha}.pth"
    cut = len(state_bytes) // 3
    with LoopbackServer() as server:
        server.add(server.url("/cut.pth"), Route("truncated", state_bytes, length=cut))
        with pytest.raises(SourcesExhausted, match="ChunkedEncodingError|ConnectionError|IncompleteRead"):
            w.fetch_alexnet_weights(settings([server.url("/cut.pth")], sha), dest)
        assert part_path(dest).read_bytes() == state_bytes[:cut]  # kept for the next attempt
        server.add(server.url("/whole.pth"), Route("ranged", state_bytes))
        server.reset_counts()
        w.fetch_alexnet_weights(settings([server.url("/whole.pth")], sha), dest)
    assert dest.read_bytes() == state_bytes and not part_path(dest).exists()


def test_size_cap_refuses_before_reading(tmp_path, state_bytes):
    sha = hashlib.sha256(state_bytes).hexdigest()
    with LoopbackServer() as server:
        server.add(server.url("/big.pth"), Route("large", length=10**12))
        server.add(server.url("/endless.pth"), Route("stream", state_bytes))
        with pytest.raises(SourcesExhausted) as err:
            w.fetch_alexnet_weights(
                settings([server.url("/big.pth"), server.url("/endless.pth")], sha, max_bytes=1000), tmp_path / "x.pth"
            )
    assert "announces 1000000000000 bytes" in str(err.value)
    assert "sent more than the cap of 1000 bytes" in str(err.value)


def test_local_copy_and_hub_cache_come_first(tmp_path, state_bytes, empty_torch_home):
    sha = hashlib.sha256(state_bytes).hexdigest()
    dead = f"http://127.0.0.1:{closed_port()}/models/alexnet-owt-7be5be79.pth"
    local = tmp_path / "mine.pth"
    local.write_bytes(state_bytes)
    assert w.fetch_alexnet_weights(settings([dead], sha, path=str(local)), tmp_path / "a.pth") == str(local)
    hub = empty_torch_home / "hub" / "checkpoints" / "alexnet-owt-7be5be79.pth"
    hub.parent.mkdir(parents=True)
    hub.write_bytes(state_bytes)
    assert w.weight_sources(settings([dead], sha)) == [str(hub), dead]
    assert w.fetch_alexnet_weights(settings([dead], sha), tmp_path / "b.pth") == str(hub)
    hub.write_bytes(b"a partial copy")  # a damaged cache is skipped, then the URL is tried
    with pytest.raises(SourcesExhausted) as err:
        w.fetch_alexnet_weights(settings([dead], sha), tmp_path / "c.pth")
    assert f"{hub}: sha256" in str(err.value) and dead in str(err.value)
    assert f"put it in {hub.parent}/ as alexnet-owt-7be5be79.pth" in str(err.value)
