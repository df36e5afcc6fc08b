"""The FaceScrub-size web on loopback: a list in the real format, deterministic answers at the
replica's proportions, many hosts, all on 127.0.0.1, and servers that stop by themselves."""

from __future__ import annotations

import hashlib
import time
from collections import Counter

import requests

from digitface.faces.data.lists import parse_list
from testkit.facescrub_web import MIX, FacescrubWeb, WebSpec, build


def test_the_list_is_facescrub_format_and_the_same_every_time(tmp_path):
    spec = WebSpec(identities=3, rows_per_identity=40, hosts=4)
    rows, bodies = build(spec, cache=tmp_path / "photos")
    again, again_bodies = build(spec, cache=tmp_path / "photos")  # from the cache this time
    assert rows == again and bodies == again_bodies
    assert len(rows) == 120 and len({r.row.face_id for r in rows}) == 120
    assert {r.row.name for r in rows} == {"Synthetic Person A", "Synthetic Person B", "Synthetic Person C"}
    kinds = Counter(r.kind for r in rows)
    assert set(kinds) <= set(MIX) and 0.25 <= kinds["ok"] / len(rows) <= 0.55  # about 40% good
    with FacescrubWeb(spec, rows, bodies) as web:
        parsed, rejects = parse_list(web.list_text().encode(), "web")
    assert rejects == [] and [p.face_id for p in parsed] == [r.row.face_id for r in rows]
    assert all(p.url.startswith("http://127.0.0.1:") for p in parsed)


def test_every_url_answers_as_its_row_says():
    spec = WebSpec(identities=2, rows_per_identity=30, hosts=3)
    rows, bodies = build(spec)
    with FacescrubWeb(spec, rows, bodies, hang_seconds=0.5) as web:
        assert len(set(web.ports)) == 3
        listed = {r.face_id: r for r in parse_list(web.list_text().encode(), "web")[0]}
        for r in rows:
            url = listed[r.row.face_id].url
            if r.kind in ("ok", "sha_mismatch"):
                body = requests.get(url, timeout=5).content
                matches = hashlib.sha256(body).hexdigest() == r.row.sha256
                assert matches == (r.kind == "ok"), r
            elif r.kind == "404":
                assert requests.get(url, timeout=5).status_code == 404
            elif r.kind == "5xx":
                assert requests.get(url, timeout=5).status_code == 503


def test_the_web_stops_by_itself():
    spec = WebSpec(identities=2, rows_per_identity=5, hosts=2)
    rows, bodies = build(spec)
    web = FacescrubWeb(spec, rows, bodies, lifetime=0.5).__enter__()
    url = f"http://127.0.0.1:{web.ports[0]}/"
    requests.get(url, timeout=2)  # up
    time.sleep(1.5)
    try:
        requests.get(url, timeout=2)
        raise AssertionError("still answering after its lifetime")
    except requests.ConnectionError:
        pass
