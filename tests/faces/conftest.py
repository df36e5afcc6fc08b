"""Face-test fixtures: the replica of the 2018 responses and a loopback server."""

from __future__ import annotations

import pytest

from testkit.loopback import LoopbackServer, load_replica


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    """Loopback requests must never go through a proxy from the environment."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


@pytest.fixture(scope="session")
def replica(shared_facescrub_dir):
    """The six project actors' rows and the replica's responses (skips without the shared data)."""
    return load_replica(shared_facescrub_dir)


@pytest.fixture
def server():
    with LoopbackServer(hang_seconds=10.0) as srv:
        yield srv
