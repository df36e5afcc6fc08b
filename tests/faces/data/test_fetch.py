"""Download stage against a loopback server: every failure mode, caps, limits, duplicates, resume."""

from __future__ import annotations

import hashlib
import json
import logging
import time

import pytest

from digitface.faces.data.download import download_actor
from digitface.faces.data.download_store import Journal
from digitface.faces.data.fetch import is_transient, sniff_extension, verify
from testkit.loopback import Route, closed_port, fast_settings, make_row, png_bytes

IMAGE = png_bytes()
OTHER = png_bytes(color=(1, 2, 3))


def outcomes(records):
    return {r.row.face_id: r.download for r in records}


def stored(store):
    return sorted(p.name for p in store.iterdir())


def journal_entries(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_every_failure_mode_has_its_outcome_and_costs_at_most_the_cap(server, tmp_path):
    settings = fast_settings()
    big = b"\xff\xd8\xff" + bytes(settings.max_bytes)
    flaky = png_bytes(color=(9, 9, 9))
    routes = {  # face_id: (path, route)
        1: ("/ok.png", Route("body", IMAGE)),
        2: ("/gone", Route("body", b"no", status=404)),
        3: ("/broken", Route("body", b"err", status=500)),
        4: ("/flaky.png", Route("flaky", flaky, failures=1)),
        5: ("/hang", Route("hang")),
        6: ("/trickle", Route("trickle", length=10_000, interval=0.05)),
        7: ("/large", Route("large", length=settings.max_bytes + 1)),
        8: ("/stream", Route("stream", big)),
        9: ("/loop", Route("redirect", location="/loop")),
        10: ("/mismatch.png", Route("body", OTHER)),
        11: ("/page.html", Route("body", b"<html>gone</html>")),
        12: ("/empty", Route("body", b"")),
        13: ("/to-ftp", Route("redirect", location="ftp://example.com/x.jpg")),
        14: ("/teapot", Route("body", b"", status=418)),
    }
    urls = {face_id: server.url(path) for face_id, (path, _) in routes.items()}
    urls |= {
        20: f"http://127.0.0.1:{closed_port()}/x.jpg",
        21: "ftp://example.com/a.jpg",
        22: "javascript:alert(1)",
        23: "http://[::1/x.jpg",
    }
    for face_id, (path, route) in routes.items():
        server.add(urls[face_id], route)
    expected_body = {1: IMAGE, 4: flaky}  # the others expect bodies they will never get
    rows = [
        make_row(url, expected_body.get(face_id, IMAGE + bytes([face_id])), face_id, image_id=100 + face_id)
        for face_id, url in urls.items()
    ]

    start = time.monotonic()
    records = download_actor(rows, tmp_path / "store", tmp_path / "journal.jsonl", settings)
    elapsed = time.monotonic() - start

    assert outcomes(records) == {
        1: "ok",
        2: "http_404",
        3: "http_500",
        4: "ok",
        5: "timeout",
        6: "timeout",
        7: "too_large",
        8: "too_large",
        9: "redirect_loop",
        10: "sha_mismatch",
        11: "not_an_image",
        12: "not_an_image",
        13: "scheme_not_allowed",
        14: "http_418",
        20: "connection_error",
        21: "scheme_not_allowed",
        22: "scheme_not_allowed",
        23: "bad_url",
    }
    assert [r.row.face_id for r in records] == sorted(r.face_id for r in rows)
    # Retries: a 500 is retried `retries` times, a flaky URL succeeds on its second hit.
    assert server.hits["/broken"] == 1 + settings.retries
    assert server.hits["/flaky.png"] == 2
    assert server.hits["/loop"] == settings.max_redirects + 1
    assert server.hits["/gone"] == server.hits["/mismatch.png"] == server.hits["/hang"] == 1
    # Only verified bodies reach the store, named by content.
    assert stored(tmp_path / "store") == sorted([f"{rows[0].sha256}.png", f"{rows[3].sha256}.png"])
    # A hang costs the read timeout, a trickle the total cap, and neither holds the run longer.
    # Upper bounds are wide (a busy machine meets them): unbounded, the hang would take the
    # server's 10 s and the trickle 50 s.
    seconds = {e["url"].rsplit("/", 1)[-1]: e["seconds"] for e in journal_entries(tmp_path / "journal.jsonl")}
    assert seconds["hang"] < settings.read_timeout + 5
    assert settings.total_timeout - 0.1 <= seconds["trickle"] < settings.total_timeout + 5
    assert elapsed < settings.total_timeout + 8, f"run took {elapsed:.2f}s"


def test_trickling_hosts_cannot_hold_workers_beyond_the_cap(server, tmp_path):
    """Eight trickles on four workers: two waves, each ended by the total-time cap."""
    settings = fast_settings(workers=4, per_host=4, read_timeout=0.3, total_timeout=0.6)
    rows = []
    for i in range(8):
        server.add(server.url(f"/t{i}"), Route("trickle", length=1000, interval=0.02))
        rows.append(make_row(server.url(f"/t{i}"), IMAGE + bytes([i]), i))
    start = time.monotonic()
    records = download_actor(rows, tmp_path / "store", tmp_path / "j.jsonl", settings)
    elapsed = time.monotonic() - start
    assert set(outcomes(records).values()) == {"timeout"}
    # Unbounded, each trickle would take 20 s; the upper bound is wide for a busy machine.
    assert 2 * settings.total_timeout - 0.1 < elapsed < 2 * settings.total_timeout + 8


@pytest.mark.parametrize("per_host", [2, 6])
def test_per_host_limit_bounds_concurrent_requests(server, tmp_path, per_host):
    rows = []
    for i in range(12):
        body = png_bytes(color=(i, 0, 0))
        server.add(server.url(f"/{i}.png"), Route("body", body, delay=0.15))
        rows.append(make_row(server.url(f"/{i}.png"), body, i))
    records = download_actor(
        rows, tmp_path / "store", tmp_path / "j.jsonl", fast_settings(workers=8, per_host=per_host)
    )
    assert set(outcomes(records).values()) == {"ok"}
    assert server.max_active == per_host


def test_rows_sharing_a_sha256_are_fetched_once(server, tmp_path):
    a, b = png_bytes(color=(5, 5, 5)), png_bytes(color=(6, 6, 6))
    server.add(server.url("/a.png"), Route("body", a))
    server.add(server.url("/a-mirror.png"), Route("body", a))
    server.add(server.url("/b-dead"), Route("body", b"", status=404))
    server.add(server.url("/b.png"), Route("body", b))
    rows = [
        make_row(server.url("/a.png"), a, 11, image_id=7),  # two faces in one image: one URL
        make_row(server.url("/a.png"), a, 10, image_id=7, bbox=(0, 0, 4, 4)),
        make_row(server.url("/a-mirror.png"), a, 12, image_id=3),  # same picture elsewhere
        make_row(server.url("/b-dead"), b, 20),  # first URL dead, a later row's URL has the body
        make_row(server.url("/b.png"), b, 21),
    ]
    records = download_actor(rows, tmp_path / "store", tmp_path / "j.jsonl", fast_settings())
    # Rows are handled in (image_id, face_id) order: face 12 (image 3) owns body a.
    assert outcomes(records) == {
        12: "ok",
        10: "duplicate_of:12",
        11: "duplicate_of:12",
        20: "duplicate_of:21",
        21: "ok",
    }
    assert server.hits == {"/a-mirror.png": 1, "/b-dead": 1, "/b.png": 1}
    assert {r.body for r in records if r.row.sha256 == rows[0].sha256} == {f"{rows[0].sha256}.png"}
    assert len(list((tmp_path / "store").iterdir())) == 2


def test_resume_reuses_the_store_and_permanent_failures(server, tmp_path):
    store, journal = tmp_path / "store", tmp_path / "j.jsonl"
    server.add(server.url("/ok.png"), Route("body", IMAGE))
    server.add(server.url("/gone"), Route("body", b"", status=404))
    server.add(server.url("/mismatch.png"), Route("body", OTHER))
    server.add(server.url("/down"), Route("body", b"", status=503))
    rows = [
        make_row(server.url("/ok.png"), IMAGE, 1),
        make_row(server.url("/gone"), IMAGE + b"1", 2),
        make_row(server.url("/mismatch.png"), IMAGE + b"2", 3),
        make_row(server.url("/down"), IMAGE + b"3", 4),
    ]
    settings = fast_settings(retries=0)
    expected = {1: "ok", 2: "http_404", 3: "sha_mismatch", 4: "http_503"}

    assert outcomes(download_actor(rows, store, journal, settings)) == expected
    assert set(server.hits.values()) == {1}

    server.reset_counts()  # rerun: only the transient 503 is asked again
    assert outcomes(download_actor(rows, store, journal, settings)) == expected
    assert server.hits == {"/down": 1}

    server.reset_counts()  # asked to: permanent failures too, never the stored body
    assert outcomes(download_actor(rows, store, journal, fast_settings(retries=0, retry_permanent=True))) == expected
    assert set(server.hits) == {"/gone", "/mismatch.png", "/down"}

    server.reset_counts()  # the journal lost: the store alone still prevents refetching
    journal.unlink()
    assert outcomes(download_actor(rows, store, journal, settings)) == expected
    assert "/ok.png" not in server.hits

    server.reset_counts()  # a corrupted store file is replaced
    (store / f"{rows[0].sha256}.png").write_bytes(b"garbage")
    assert outcomes(download_actor(rows, store, journal, settings))[1] == "ok"
    assert server.hits["/ok.png"] == 1
    assert (store / f"{rows[0].sha256}.png").read_bytes() == IMAGE


def test_permanent_failures_are_reused_only_with_the_settings_that_made_them(server, tmp_path):
    """too_large under a small cap is not the answer under a larger cap: asked again."""
    store, journal = tmp_path / "store", tmp_path / "j.jsonl"
    server.add(server.url("/big.png"), Route("body", IMAGE))
    rows = [make_row(server.url("/big.png"), IMAGE, 1)]
    small = fast_settings(retries=0, max_bytes=len(IMAGE) // 2)
    assert outcomes(download_actor(rows, store, journal, small)) == {1: "too_large"}
    server.reset_counts()
    assert outcomes(download_actor(rows, store, journal, small)) == {1: "too_large"}
    assert not server.hits  # same settings: the recorded failure stands
    assert outcomes(download_actor(rows, store, journal, fast_settings(retries=0))) == {1: "ok"}
    assert server.hits["/big.png"] == 1


def test_torn_journal_line_is_ignored_and_repaired(server, tmp_path):
    journal = tmp_path / "j.jsonl"
    server.add(server.url("/gone"), Route("body", b"", status=404))
    row = make_row(server.url("/gone"), IMAGE, 1)
    journal.write_text(
        json.dumps({"sha256": row.sha256, "url": "http://elsewhere/", "outcome": "ok"}) + "\n" + '{"sha256": "ab", "url'
    )
    assert outcomes(download_actor([row], tmp_path / "s", journal, fast_settings())) == {1: "http_404"}
    assert Journal.load(journal)[(row.sha256, row.url)][0] == "http_404"
    server.reset_counts()
    download_actor([row], tmp_path / "s", journal, fast_settings())
    assert server.hits["/gone"] == 0


def test_local_paths_stay_inside_the_base_dir(tmp_path):
    base = tmp_path / "sample"
    (base / "images").mkdir(parents=True)
    (base / "images" / "a b.png").write_bytes(IMAGE)
    (base / "images" / "c.png").write_bytes(OTHER)
    (tmp_path / "secret.png").write_bytes(png_bytes(color=(7, 7, 7)))
    rows = [
        make_row("images/a b.png", IMAGE, 1),
        make_row("file:images/c.png", OTHER, 2),
        make_row("images/../../secret.png", png_bytes(color=(7, 7, 7)), 3),
        make_row(f"file://{tmp_path}/secret.png", png_bytes(color=(7, 7, 7)), 4),
        make_row("images/missing.png", IMAGE + b"x", 5),
        make_row("file://otherhost/images/c.png", OTHER + b"x", 6),
    ]
    local = fast_settings(schemes=("http", "https", "file"))
    got = outcomes(download_actor(rows, tmp_path / "store", tmp_path / "j.jsonl", local, base_dir=base))
    assert got == {1: "ok", 2: "ok", 3: "bad_url", 4: "bad_url", 5: "file_not_found", 6: "scheme_not_allowed"}
    # Without a base dir, or without "file" (the default), paths are not read at all.
    none = outcomes(download_actor(rows[:1], tmp_path / "s2", tmp_path / "j2.jsonl", local))
    off = outcomes(download_actor(rows[:1], tmp_path / "s3", tmp_path / "j3.jsonl", fast_settings(), base_dir=base))
    assert none == off == {1: "scheme_not_allowed"}


def test_progress_is_logged(server, tmp_path, caplog):
    rows = []
    for i in range(3):
        body = png_bytes(color=(0, i, 0))
        server.add(server.url(f"/{i}.png"), Route("body", body))
        rows.append(make_row(server.url(f"/{i}.png"), body, i))
    with caplog.at_level(logging.INFO, logger="digitface.faces.data.download"):
        download_actor(rows, tmp_path / "store", tmp_path / "j.jsonl", fast_settings(progress_interval=60))
    lines = [r.getMessage() for r in caplog.records]
    assert any(m.startswith("download: 3/3 (100%)") and "ETA" in m for m in lines)
    assert not any(m.startswith("download: 1/3") for m in lines)  # the interval is respected


def test_duplicate_face_ids_are_refused(tmp_path):
    with pytest.raises(ValueError):
        download_actor([make_row("a.png", IMAGE, 1), make_row("b.png", OTHER, 1)], tmp_path, tmp_path / "j")


@pytest.mark.parametrize(
    "data, ext",
    [
        (png_bytes(), "png"),
        (png_bytes(fmt="JPEG"), "jpg"),
        (png_bytes(fmt="GIF"), "gif"),
        (png_bytes(fmt="BMP"), "bmp"),
        (png_bytes(fmt="WEBP"), "webp"),
        (png_bytes(fmt="TIFF"), "tif"),
        (b"<html></html>", None),
        (b"", None),
    ],
)
def test_sniff_extension(data, ext):
    assert sniff_extension(data) == ext


def test_verify_and_transience():
    assert verify(IMAGE, hashlib.sha256(IMAGE).hexdigest()) == "ok"
    assert verify(OTHER, hashlib.sha256(IMAGE).hexdigest()) == "sha_mismatch"
    assert verify(b"<html>", hashlib.sha256(IMAGE).hexdigest()) == "not_an_image"
    assert [
        is_transient(o)
        for o in (
            "timeout",
            "connection_error",
            "http_503",
            "http_429",
            "http_404",
            "sha_mismatch",
            "too_large",
            "redirect_loop",
            "ok",
        )
    ] == [True, True, True, True, False, False, False, False, False]


def test_a_batch_of_actors_is_fetched_through_one_pool_each_into_its_own_store(server, tmp_path):
    """The slow URLs of every actor in a batch are in flight together (one pool), not actor
    after actor; each actor's bodies and attempts stay in its own store and journal."""
    from digitface.faces.data.download import download_batch
    from digitface.faces.data.download_store import ActorDownload

    actors = []
    for a, name in enumerate(("Ann Bee", "Cy Dee")):
        rows = []
        for i in range(4):  # each hangs until the total cap
            server.add(server.url(f"/{a}/hang{i}"), Route("hang"))
            rows.append(make_row(server.url(f"/{a}/hang{i}"), b"never %d %d" % (a, i), 10 * a + i, name))
        body = png_bytes(color=(a, 0, 0))
        server.add(server.url(f"/{a}/ok.png"), Route("body", body))
        rows.append(make_row(server.url(f"/{a}/ok.png"), body, 10 * a + 9, name))
        actors.append(ActorDownload(rows, tmp_path / f"store{a}", tmp_path / f"journal{a}.jsonl"))
    # 2 s for each hang: long enough that all eight are in flight together even when a busy
    # machine is slow to start the pool's threads (0.5 s was not, under a loaded CI runner).
    settings = fast_settings(workers=16, per_host=16, total_timeout=2.0, retries=0)
    found = download_batch(actors, settings)
    assert server.max_active >= 8  # both actors' four hangs at once
    for a, records in enumerate(found):
        assert {r.row.face_id for r in records} == {10 * a + i for i in (0, 1, 2, 3, 9)}
        assert outcomes(records)[10 * a + 9] == "ok" and {outcomes(records)[10 * a + i] for i in range(4)} == {
            "timeout"
        }
        assert stored(tmp_path / f"store{a}") == [f"{records[-1].row.sha256}.png"]
        assert {e["url"] for e in journal_entries(tmp_path / f"journal{a}.jsonl")} == {r.row.url for r in records}
