"""Face-test fixtures: no proxy for loopback requests, and a loopback server."""

from __future__ import annotations

import pytest

from testkit.loopback import LoopbackServer


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    """Loopback requests must never go through a proxy from the environment."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


@pytest.fixture
def server():
    with LoopbackServer(hang_seconds=10.0) as srv:
        yield srv
