"""End to end on the 2018 replica: the six project actors' 1,492 rows through a misbehaving server.

Every URL with a recorded response answers it (a tenth of the good ones only after a 500);
every other URL is dead in one of the ways FaceScrub hosts die, assigned by a fixed order.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import signal
import subprocess
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest
from PIL import Image
from requests.utils import requote_uri

import digitface
from digitface.faces.data.crop import crop_actor
from digitface.faces.data.crop_settings import CropSettings
from digitface.faces.data.download import download_actor
from digitface.faces.data.fetch import is_transient
from digitface.faces.data.lists import slugify
from digitface.faces.data.manifest import write_manifest, write_summary
from testkit.loopback import REPLICA_GOOD_IMAGES, Route, fast_settings, make_row, png_bytes, serve_replica, wait_until

# Dead URL number i (in Replica.dead_urls order) fails as DEAD_CYCLE[i % 60]: ~18 of each rare kind.
DEAD_CYCLE = ["hang", "trickle", "large", "stream", "redirect", "500"] + ["refused"] * 6 + ["404"] * 48
DEAD_OUTCOME = {
    "hang": "timeout",
    "trickle": "timeout",
    "large": "too_large",
    "stream": "too_large",
    "redirect": "redirect_loop",
    "500": "http_500",
    "refused": "connection_error",
    "404": "http_404",
}
RECORDED_OUTCOME = {"sha_mismatch": "sha_mismatch", "unreadable": "not_an_image"}
# Client and server threads share one process (and, here, two busy cores): timeouts are
# longer than fast_settings' so that only the scripted failures time out.
SETTINGS = fast_settings(workers=24, per_host=24, connect_timeout=2.0, read_timeout=2.0, total_timeout=3.0)


@dataclass
class Plan:
    rows: list  # rewritten to the loopback server
    kind: dict  # original url -> ok | sha_mismatch | unreadable | one of DEAD_CYCLE
    flaky: set  # original urls that answer 500 once
    path: dict  # original url -> request path on the server ("" when refused)


def make_plan(server, replica, delay: float = 0.0) -> Plan:
    kind = {url: k for url, (k, _) in replica.responses.items()}
    dead, refused = {}, set()
    routes = {
        "hang": Route("hang"),
        "trickle": Route("trickle", length=100_000, interval=0.05),
        "large": Route("large", length=SETTINGS.max_bytes + 1),
        "stream": Route("stream", b"\xff\xd8\xff" + bytes(SETTINGS.max_bytes)),
        "redirect": Route("redirect"),
        "500": Route("body", b"down", status=500),
        "404": Route("body", b"not found", status=404),
    }
    for i, url in enumerate(replica.dead_urls()):
        kind[url] = DEAD_CYCLE[i % len(DEAD_CYCLE)]
        if kind[url] == "refused":
            refused.add(url)
        else:
            dead[url] = routes[kind[url]]
    flaky = set(sorted(u for u, k in kind.items() if k == "ok")[::10])
    rows = serve_replica(server, replica, dead, refused, delay=delay, flaky=flaky)
    path = {}
    for original, new in zip((r.url for r in replica.rows), (r.url for r in rows)):
        parts = urlsplit(requote_uri(new))
        path[original] = "" if original in refused else parts.path + (f"?{parts.query}" if parts.query else "")
    return Plan(rows, kind, flaky, path)


def expected_downloads(plan: Plan, replica) -> dict:
    """Download outcome per face_id, derived from the plan alone."""
    by_sha = defaultdict(list)
    for row in sorted(replica.rows, key=lambda r: (r.image_id, r.face_id)):
        by_sha[row.sha256].append(row)
    download = {}
    for rows in by_sha.values():
        good = [r for r in rows if plan.kind[r.url] == "ok"]
        for row in rows:
            kind = plan.kind[row.url]
            if good:
                download[row.face_id] = "ok" if row is good[0] else f"duplicate_of:{good[0].face_id}"
            else:
                download[row.face_id] = RECORDED_OUTCOME.get(kind) or DEAD_OUTCOME[kind]
    return download


def expected_hits(plan: Plan, settings) -> Counter:
    per_kind = {"redirect": settings.max_redirects + 1, "500": settings.retries + 1, "refused": 0}
    hits = Counter()
    for url, path in plan.path.items():
        count = 2 if url in plan.flaky else per_kind.get(plan.kind[url], 1)
        if count:
            hits[path] = count
    return hits


def reference_crops(path: Path, bbox) -> tuple[str, dict[int, np.ndarray]]:
    """Decode, flatten on white, slice img[y1:y2, x1:x2], resize: written apart from the library.

    Returns a digest of the full-resolution crop and the crop at each size.
    """
    x1, y1, x2, y2 = bbox
    with Image.open(path) as image:
        rgba = np.asarray(image.convert("RGBA"))[y1:y2, x1:x2].astype(np.float64)
    alpha = rgba[..., 3:] / 255.0
    rgb = np.rint(rgba[..., :3] * alpha + 255.0 * (1.0 - alpha)).astype(np.uint8)
    face = Image.fromarray(rgb)
    sizes = {s: np.asarray(face.resize((s, s), Image.Resampling.LANCZOS), dtype=np.int16) for s in (64, 227)}
    return hashlib.sha256(rgb.tobytes() + str(rgb.shape).encode()).hexdigest(), sizes


def files_under(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def run_pipeline(rows, results: Path, settings):
    """What the workflow does: download (here all actors at once, so the slow URLs overlap),
    then per actor crop and manifest, then the summary."""
    downloaded = download_actor(rows, results / "store", results / "journal.jsonl", settings)
    by_actor = {}
    for actor in sorted({r.row.name for r in downloaded}):
        records = crop_actor(
            [r for r in downloaded if r.row.name == actor],
            results / "store",
            results / "crops",
            CropSettings(workers=2),
        )
        write_manifest(results / "manifests" / f"{slugify(actor)}.tsv", records)
        by_actor[actor] = records
    write_summary(results / "summary.tsv", by_actor)
    return sorted((r for records in by_actor.values() for r in records), key=lambda r: (r.row.image_id, r.row.face_id))


def test_six_actors_end_to_end(server, replica, tmp_path):
    plan = make_plan(server, replica)
    results = tmp_path / "results"
    records = run_pipeline(plan.rows, results, SETTINGS)
    download = expected_downloads(plan, replica)
    original = {r.face_id: r for r in replica.rows}

    # Exact download outcomes, every listed row present once, every URL asked as often as it should be.
    assert len(records) == 1492
    assert {r.row.face_id: r.download for r in records} == download
    assert server.hits == expected_hits(plan, SETTINGS)

    # Exactly the replica's good images are verified, stored and cropped, per actor.
    body_of = {hashlib.sha256(p.read_bytes()).hexdigest(): p for k, p in replica.responses.values() if k == "ok"}
    assert len(body_of) == 309
    store = results / "store"
    assert sorted(p.name.split(".")[0] for p in store.iterdir()) == sorted(body_of)
    for path in store.iterdir():
        assert path.read_bytes() == body_of[path.name.split(".")[0]].read_bytes()
    images = defaultdict(set)
    for r in records:
        if r.body:
            images[r.row.name].add(r.row.sha256)
    assert {name: len(shas) for name, shas in images.items()} == REPLICA_GOOD_IMAGES

    # Final outcomes: failures stay, and of the crops with equal pixels only the first is kept
    # (the body's owner first, then by ids); each kept crop equals an independent crop.
    first_crop, kept_images = {}, defaultdict(set)
    for r in sorted((r for r in records if r.body), key=lambda r: (r.download != "ok", r.row.image_id, r.row.face_id)):
        digest, expected = reference_crops(body_of[r.row.sha256], original[r.row.face_id].bbox)
        owner = first_crop.setdefault(digest, r.row.face_id)
        assert r.outcome == ("ok" if owner == r.row.face_id else f"duplicate_of:{owner}"), r
        assert bool(r.crop) == (r.outcome == "ok")
        if r.crop:
            kept_images[r.row.name].add(r.row.sha256)
        for size in (64, 227) if r.crop else ():
            with Image.open(results / "crops" / str(size) / r.crop) as png:
                assert png.mode == "RGB" and png.size == (size, size)
                assert np.abs(np.asarray(png, dtype=np.int16) - expected[size]).max() <= 1, r.crop  # alpha rounding
    assert all(r.outcome == r.download for r in records if not r.body)
    cropped = [r for r in records if r.crop]
    assert len(cropped) == len(first_crop) == len(files_under(results / "crops" / "227"))
    assert {name: {r.row.sha256 for r in cropped if r.row.name == name} for name in REPLICA_GOOD_IMAGES} == kept_images

    # Slow hosts cost at most about the total-time cap.
    for line in (results / "journal.jsonl").read_text().splitlines():
        entry = json.loads(line)
        assert entry["seconds"] < SETTINGS.total_timeout + 5.0, entry

    # Nothing outside results/; the summary agrees with the records.
    assert files_under(tmp_path) == {f"results/{f}" for f in files_under(results)}
    summary = [line.split("\t") for line in (results / "summary.tsv").read_text().splitlines()]
    assert summary[0][:6] == ["actor", "listed", "fetched", "verified", "cropped", "images"]
    assert {row[0]: int(row[5]) for row in summary[1:]} == {name: len(shas) for name, shas in kept_images.items()}
    assert sum(int(row[4]) for row in summary[1:]) == len(cropped)

    # A rerun asks only for what may have recovered, and writes byte-identical results.
    manifests = {p: p.read_bytes() for p in (results / "manifests").iterdir()}
    crops = {p: p.stat().st_mtime_ns for p in (results / "crops").rglob("*.png")}
    server.reset_counts()
    again = run_pipeline(plan.rows, results, SETTINGS)
    assert again == records
    transient_paths = {plan.path[r.url] for r in replica.rows if is_transient(download[r.face_id])} - {""}
    assert set(server.hits) == transient_paths
    assert {p: p.read_bytes() for p in (results / "manifests").iterdir()} == manifests
    assert {p: p.stat().st_mtime_ns for p in (results / "crops").rglob("*.png")} == crops


KILLED_RUN = """
import json, sys
from digitface.faces.data.download import download_actor
from digitface.faces.data.fetch import FetchSettings
from digitface.faces.data.lists import ListRow
rows = [ListRow(**{**r, "bbox": tuple(r["bbox"])}) for r in json.load(open(sys.argv[1]))]
download_actor(rows, sys.argv[2], sys.argv[3], FetchSettings(**json.load(open(sys.argv[4]))))
"""


def test_killed_download_resumes_without_refetching(server, replica, tmp_path):
    plan = make_plan(server, replica, delay=0.03)
    rows = [r for r in plan.rows if r.name == "Peri Gilpin"]
    settings = fast_settings(workers=4, per_host=4)
    (tmp_path / "rows.json").write_text(json.dumps([dataclasses.asdict(r) for r in rows]))
    (tmp_path / "settings.json").write_text(json.dumps(dataclasses.asdict(settings)))
    store, journal = tmp_path / "store", tmp_path / "journal.jsonl"
    env = {**os.environ, "PYTHONPATH": str(Path(digitface.__file__).parents[1])}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            KILLED_RUN,
            str(tmp_path / "rows.json"),
            str(store),
            str(journal),
            str(tmp_path / "settings.json"),
        ],
        env=env,
    )
    try:
        assert wait_until(lambda: journal.exists() and journal.read_text().count("\n") >= 40, timeout=60)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    before = [json.loads(line) for line in journal.read_text().splitlines() if line.endswith("}")]
    done = {e["url"]: e["outcome"] for e in before}
    assert 40 <= len(done) < len({r.url for r in rows}), "the run must have been interrupted mid-way"
    assert any(o == "ok" for o in done.values()) and any(not is_transient(o) and o != "ok" for o in done.values())

    server.reset_counts()
    records = download_actor(rows, store, journal, settings)
    to_original = {r.url: o.url for r, o in zip(plan.rows, replica.rows)}
    for url, outcome in done.items():
        if not is_transient(outcome):  # verified or permanently failed: never asked again
            assert server.hits[plan.path[to_original[url]]] == 0, (url, outcome)
    download = expected_downloads(plan, replica)
    assert {r.row.face_id: r.download for r in records} == {r.face_id: download[r.face_id] for r in rows}
    assert len(list(store.iterdir())) == REPLICA_GOOD_IMAGES["Peri Gilpin"]


def test_replica_evidence_for_the_exif_decision(replica):
    """crop_image.py crops on the raw pixel grid: no good file asks for a rotation, and every good
    row's box lies inside its raw image."""
    orientations, images = Counter(), set()
    for row in replica.rows:
        kind, path = replica.responses.get(row.url, ("dead", None))
        if kind == "ok":
            images.add(path)
            with Image.open(path) as image:
                orientations[image.getexif().get(0x0112)] += 1
                x1, y1, x2, y2 = row.bbox
                assert 0 <= x1 < x2 <= image.width and 0 <= y1 < y2 <= image.height, row
    assert set(orientations) <= {None, 1}, orientations
    assert len(images) == 309


def test_rejected_row_of_the_shipped_list(replica):
    assert [(r.source, r.line) for r in replica.rejects] == [("facescrub_actresses.txt", 1556)]


@pytest.mark.parametrize(
    "name, url, outcome",
    [
        ("../../../escape", "http://127.0.0.1:{port}/../../../etc/passwd", "ok"),
        ("..\\..\\windows", "http://127.0.0.1:{port}/a/%2e%2e/%2e%2e/x.png?name=../../y", "ok"),
        ("/abs/path", "/etc/hostname", "bad_url"),
        ("Normal Name", "file:../../outside.png", "bad_url"),
        ("Normal Name", "../outside.png", "bad_url"),
    ],
)
def test_nothing_is_written_outside_the_results(server, tmp_path, name, url, outcome):
    body = png_bytes(size=(20, 20))
    server.default = Route("body", body)  # whatever path the client ends up asking for
    (tmp_path / "outside.png").write_bytes(body)
    deep = tmp_path / "a" / "b"
    results, base = deep / "results", deep / "sample"
    base.mkdir(parents=True)
    row = make_row(url.format(port=server.port), body, 7, name=name)
    settings = fast_settings(schemes=("http", "https", "file"))
    records = download_actor([row], results / "store", results / "j.jsonl", settings, base_dir=base)
    records = crop_actor(records, results / "store", results / "crops", CropSettings(sizes=(8,)))
    write_manifest(results / "m.tsv", records)
    assert records[0].outcome == outcome
    assert files_under(tmp_path) - {f"a/b/results/{f}" for f in files_under(results)} == {"outside.png"}
    if outcome == "ok":
        assert files_under(results / "crops") == {f"8/{slugify(name)}_7_7.png"}
