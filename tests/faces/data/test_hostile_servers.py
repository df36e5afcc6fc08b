"""Servers that misbehave before the body: nothing hangs, and one bad row never fails the job.

Time is bounded with wide margins (a loaded machine still meets them): every case here would
take a minute or more if the total cap did not bound the whole exchange, and must end within
the cap plus a few seconds.
"""

from __future__ import annotations

import json
import socket
import time

import pytest

from digitface.faces.data.download import download_actor
from digitface.faces.data.fetch import fetch, make_session
from testkit.loopback import Route, fast_settings, make_row, png_bytes

#: Slack on top of the total cap: generous for a busy 2-core machine, far below the minute an
#: unbounded exchange would take.
SLACK = 8.0
IMAGE_BYTES = png_bytes()
SLOW = 0.25  # seconds between two bytes: well inside the read timeout, so only the cap can stop it


def _head(status: str, *headers: str, padding: int = 2000) -> bytes:
    """A response head that never finishes within the test: ``padding`` header bytes."""
    lines = [f"HTTP/1.1 {status}", *headers, "X-Padding: " + "p" * padding]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _timed(server, settings, url):
    session = make_session(settings)
    try:
        start = time.monotonic()
        outcome, body = fetch(session, url, settings)
        return outcome, body, time.monotonic() - start
    finally:
        session.close()


@pytest.mark.parametrize(
    "name, route",
    [
        ("slow headers", Route("drip", _head("200 OK", "Content-Length: 10"), interval=SLOW)),
        ("slow status line", Route("drip", _head("200 OK", padding=0) * 50, interval=SLOW)),
        ("slow redirect", Route("drip", _head("302 Found", "Location: /elsewhere"), interval=SLOW)),
        ("slow error page", Route("drip", _head("503 Service Unavailable"), interval=SLOW)),
    ],
)
def test_slow_heads_are_cut_at_the_total_cap(server, name, route):
    settings = fast_settings(read_timeout=2.0, total_timeout=1.0, retries=0)
    server.add(server.url("/slow"), route)
    outcome, body, seconds = _timed(server, settings, server.url("/slow"))
    assert (outcome, body) == ("timeout", None), name
    assert settings.total_timeout - 0.05 <= seconds < settings.total_timeout + SLACK, name


def test_a_chain_of_slow_redirects_shares_one_cap(server):
    """Each hop answers within the read timeout; together they would take 12 s."""
    settings = fast_settings(read_timeout=5.0, total_timeout=1.5, retries=0, max_redirects=10)
    for hop in range(4):
        head = _head("302 Found", f"Location: {server.url(f'/hop{hop + 1}')}", "Content-Length: 0", padding=60)
        server.add(server.url(f"/hop{hop}"), Route("drip", head, interval=0.05))
    server.add(server.url("/hop4"), Route("body", IMAGE_BYTES))
    outcome, _, seconds = _timed(server, settings, server.url("/hop0"))
    assert outcome == "timeout" and seconds < settings.total_timeout + SLACK
    assert server.hits["/hop4"] == 0


def test_a_host_that_never_accepts_is_cut_at_the_cap_not_the_connect_timeout():
    """A listener whose queue is full: the handshake never completes; a 60 s connect timeout
    (and its retries) must not outlast the 1 s cap."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    fillers = []
    try:
        for _ in range(4):  # fill the accept queue; later SYNs are dropped
            filler = socket.socket()
            filler.setblocking(False)
            filler.connect_ex(listener.getsockname())
            fillers.append(filler)
        settings = fast_settings(connect_timeout=60.0, total_timeout=1.0, retries=2)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/x.jpg"
        outcome, _, seconds = _timed(None, settings, url)
    finally:
        for sock in fillers + [listener]:
            sock.close()
    assert outcome == "timeout" and seconds < settings.total_timeout + SLACK


def test_slow_hosts_do_not_hold_the_workers(server, tmp_path):
    """Eight slow heads on two workers, then good images: every row ends, in about four caps."""
    settings = fast_settings(workers=2, per_host=2, read_timeout=2.0, total_timeout=0.8, retries=0)
    rows = []
    for i in range(8):
        server.add(server.url(f"/s{i}"), Route("drip", _head("200 OK"), interval=SLOW))
        rows.append(make_row(server.url(f"/s{i}"), IMAGE_BYTES + bytes([i]), i))
    server.add(server.url("/good.png"), Route("body", IMAGE_BYTES))
    rows.append(make_row(server.url("/good.png"), IMAGE_BYTES, 99))
    start = time.monotonic()
    records = download_actor(rows, tmp_path / "store", tmp_path / "j.jsonl", settings)
    elapsed = time.monotonic() - start
    assert {r.row.face_id: r.outcome for r in records} == {**{i: "timeout" for i in range(8)}, 99: "ok"}
    assert elapsed < 4 * settings.total_timeout + SLACK


@pytest.mark.parametrize(
    "location, outcome",
    [
        (b"http://[::1/x.jpg", "bad_redirect"),  # an IPv6 literal that never closes
        (b"http://127.0.0.1/\xff\xfe\xfd.jpg", "bad_redirect"),  # bytes that are not UTF-8
        (b"http://[fe80::1%zz]:99999/x", "bad_redirect"),  # a broken zone id and a port out of range
        (b"javascript:alert(1)", "scheme_not_allowed"),  # somewhere no download may go
        (b"", "http_302"),  # a redirect to nowhere
    ],
)
def test_unparsable_redirects_are_one_rows_outcome(server, tmp_path, location, outcome):
    """The row gets an outcome with a reason, the journal keeps it, the other rows go on, and
    a rerun neither crashes nor asks again (the outcome is permanent)."""
    head = b"HTTP/1.1 302 Found\r\nLocation: " + location + b"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    server.add(server.url("/moved"), Route("raw", head))
    server.add(server.url("/fine.png"), Route("body", IMAGE_BYTES))
    rows = [make_row(server.url("/moved"), IMAGE_BYTES + b"m", 1), make_row(server.url("/fine.png"), IMAGE_BYTES, 2)]
    settings = fast_settings(retries=0)
    first = {r.row.face_id: r.outcome for r in download_actor(rows, tmp_path / "s", tmp_path / "j.jsonl", settings)}
    assert first == {1: outcome, 2: "ok"}
    journal = [json.loads(line) for line in (tmp_path / "j.jsonl").read_text().splitlines()]
    assert {e["url"].rsplit("/", 1)[-1]: e["outcome"] for e in journal}["moved"] == first[1]
    server.reset_counts()
    again = {r.row.face_id: r.outcome for r in download_actor(rows, tmp_path / "s", tmp_path / "j.jsonl", settings)}
    assert again == first


def test_unusable_local_paths_are_one_rows_outcome(tmp_path):
    base = tmp_path / "sample"
    base.mkdir()
    (base / "ok.png").write_bytes(IMAGE_BYTES)
    (base / "folder").mkdir()
    urls = {
        1: "ok.png",
        2: "a" * 5000 + ".png",
        3: "/".join(["d" * 200] * 30) + "/x.png",
        4: "bad\x00name.png",
        5: "folder",
        6: "file:" + "b" * 300 + ".png",
    }
    rows = [make_row(url, IMAGE_BYTES if i == 1 else IMAGE_BYTES + bytes([i]), i) for i, url in urls.items()]
    settings = fast_settings(schemes=("http", "https", "file"))
    got = {
        r.row.face_id: r.outcome
        for r in download_actor(rows, tmp_path / "s", tmp_path / "j.jsonl", settings, base_dir=base)
    }
    assert got == {1: "ok", 2: "bad_url", 3: "bad_url", 4: "bad_url", 5: "file_not_found", 6: "bad_url"}
