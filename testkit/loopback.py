"""A loopback HTTP server with scripted misbehaviour, and the FaceScrub replica mapped onto it.

Used by the face tests and by benchmarks/bench_download.py. List URLs ``scheme://host/path``
are rewritten to ``http://127.0.0.1:PORT/scheme/host/path`` in a copy of the rows, so the
original URL still identifies what the server answers.
"""

from __future__ import annotations

import csv
import hashlib
import io
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from PIL import Image
from requests.utils import requote_uri

from digitface.faces.data.fetch import FetchSettings
from digitface.faces.data.lists import ListRow
from testkit.faces import read_list, select_actors

SIX = ("Lorraine Bracco", "Peri Gilpin", "Angie Harmon", "Alec Baldwin", "Bill Hader", "Steve Carell")


@dataclass(frozen=True)
class Route:
    """What one path answers.

    kind: body (``body`` with ``status``), flaky (500 for the first ``failures`` hits, then the
    body), hang (say nothing), trickle (``length`` announced, one byte per ``interval``),
    stream (``body`` without Content-Length, then close), large (announce ``length``, send
    nothing), redirect (302 to ``location``), ranged (``body``, honouring a ``Range: bytes=N-``
    request with 206), truncated (announce all of ``body``, send its first ``length`` bytes,
    then close), raw (``body`` is the whole response, status line and headers included, sent
    as it is), drip (the same, one byte per ``interval``: slow headers, slow redirects).
    """

    kind: str
    body: bytes = b""
    status: int = 200
    failures: int = 0
    length: int = 0
    interval: float = 0.05
    location: str = ""
    delay: float = 0.0  # latency before anything is sent


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        """Clients that hang up early (timeouts, unread error bodies) are part of the script."""


class LoopbackServer:
    """ThreadingHTTPServer on 127.0.0.1 (ephemeral port) serving ``routes`` by request path."""

    def __init__(self, hang_seconds: float = 30.0) -> None:
        self.routes: dict[str, Route] = {}
        self.default = Route("body", b"not found", status=404)  # for paths without a route
        self.hits: Counter[str] = Counter()
        self.active = 0
        self.max_active = 0
        self._lock = threading.Lock()
        self.stopping = threading.Event()
        self.hang_seconds = hang_seconds
        self._httpd = _QuietServer(("127.0.0.1", 0), _handler(self))
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def __enter__(self) -> "LoopbackServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def add(self, url: str, route: Route) -> None:
        """Answer ``url`` (on this server) with ``route``; keyed as requests will send the path."""
        parts = urlsplit(requote_uri(url))
        self.routes[parts.path + (f"?{parts.query}" if parts.query else "")] = route

    def reset_counts(self) -> None:
        with self._lock:
            self.hits.clear()
            self.max_active = 0

    def enter(self, path: str) -> None:
        with self._lock:
            self.hits[path] += 1
            self.active += 1
            self.max_active = max(self.max_active, self.active)

    def leave(self) -> None:
        with self._lock:
            self.active -= 1


def _handler(server: LoopbackServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:  # quiet
            pass

        def do_GET(self) -> None:
            server.enter(self.path)
            try:
                self._answer(server.routes.get(self.path, server.default))
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True
            finally:
                server.leave()

        def _head(self, status: int, length: int | None, extra: dict[str, str] | None = None) -> None:
            self.send_response(status)
            if length is not None:
                self.send_header("Content-Length", str(length))
            for key, value in (extra or {}).items():
                self.send_header(key, value)
            self.end_headers()

        def _answer(self, route: Route) -> None:
            if route.delay:
                server.stopping.wait(route.delay)
            kind = route.kind
            if kind == "flaky" and server.hits[self.path] <= route.failures:
                self._head(500, 5)
                self.wfile.write(b"oops!")
            elif kind in ("body", "flaky"):
                self._head(route.status, len(route.body))
                self.wfile.write(route.body)
            elif kind == "hang":
                server.stopping.wait(server.hang_seconds)
                self.close_connection = True
            elif kind == "trickle":
                self._head(200, route.length)
                self.wfile.flush()
                for _ in range(route.length):
                    if server.stopping.wait(route.interval):
                        break
                    self.wfile.write(b"x")
                    self.wfile.flush()
                self.close_connection = True
            elif kind == "stream":
                self._head(200, None, {"Connection": "close"})
                for start in range(0, len(route.body), 1 << 16):
                    self.wfile.write(route.body[start : start + (1 << 16)])
                self.close_connection = True
            elif kind == "large":
                self._head(200, route.length)
                self.close_connection = True
            elif kind == "redirect":
                self._head(302, 0, {"Location": route.location})
            elif kind == "ranged":
                asked = self.headers.get("Range", "")
                start = int(asked[len("bytes=") : -1]) if asked.startswith("bytes=") and asked.endswith("-") else 0
                if start >= len(route.body) > 0:
                    self._head(416, 0, {"Content-Range": f"bytes */{len(route.body)}"})
                elif start:
                    self._head(
                        206,
                        len(route.body) - start,
                        {"Content-Range": f"bytes {start}-{len(route.body) - 1}/{len(route.body)}"},
                    )
                    self.wfile.write(route.body[start:])
                else:
                    self._head(200, len(route.body), {"Accept-Ranges": "bytes"})
                    self.wfile.write(route.body)
            elif kind in ("raw", "drip"):
                step = 1 if kind == "drip" else len(route.body) or 1
                for start in range(0, len(route.body), step):
                    if kind == "drip" and server.stopping.wait(route.interval):
                        break
                    self.wfile.write(route.body[start : start + step])
                    self.wfile.flush()
                self.close_connection = True
            elif kind == "truncated":
                self._head(200, len(route.body), {"Connection": "close"})
                self.wfile.write(route.body[: route.length])
                self.wfile.flush()
                self.close_connection = True
            else:
                raise ValueError(kind)

    return Handler


def closed_port() -> int:
    """A loopback port with nothing listening (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def loopback_url(port: int, url: str) -> str:
    """``scheme://host/path?q`` -> ``http://127.0.0.1:port/scheme/host/path?q``."""
    scheme, rest = url.split("://", 1)
    return f"http://127.0.0.1:{port}/{scheme}/{rest}"


#: Distinct good images per actor in the 2018 replica (its README.txt). Bracco has two hosts
#: serving one photo with two checksums, which the crop stage keeps once.
REPLICA_GOOD_IMAGES = {
    "Lorraine Bracco": 61,
    "Bill Hader": 57,
    "Angie Harmon": 57,
    "Steve Carell": 54,
    "Alec Baldwin": 45,
    "Peri Gilpin": 35,
}


@dataclass(frozen=True)
class Replica:
    """The six actors' rows and the 2018 responses: url -> (kind, body path)."""

    rows: list[ListRow]
    responses: dict[str, tuple[str, Path]]
    rejects: list

    def dead_urls(self) -> list[str]:
        """Listed URLs without a recorded response, in a fixed, content-derived order."""
        urls = {r.url for r in self.rows} - set(self.responses)
        return sorted(urls, key=lambda u: hashlib.sha256(u.encode()).hexdigest())


def load_replica(facescrub_dir: Path) -> Replica:
    rows, rejects = [], []
    for name in ("facescrub_actors.txt", "facescrub_actresses.txt"):
        got, bad = read_list(facescrub_dir / name)
        rows += got
        rejects += bad
    replica_dir = facescrub_dir / "replica"
    with open(replica_dir / "responses.tsv", newline="", encoding="utf-8") as fh:
        responses = {r["url"]: (r["kind"], replica_dir / r["body_file"]) for r in csv.DictReader(fh, delimiter="\t")}
    return Replica(select_actors(rows, SIX), responses, rejects)


def serve_replica(
    server: LoopbackServer,
    replica: Replica,
    dead: dict[str, Route],
    refused: set[str],
    delay: float = 0.0,
    flaky: set[str] = frozenset(),
) -> list[ListRow]:
    """Register every URL of ``replica`` on ``server``; returns the rows with rewritten URLs.

    Recorded responses answer their body (``flaky`` ones after one 500); ``dead`` maps the other
    URLs to routes; URLs in ``refused`` point at a closed port instead.
    """
    port_closed = closed_port()
    rewritten = {}
    for url in {r.url for r in replica.rows}:
        if url in refused:
            rewritten[url] = loopback_url(port_closed, url)
            continue
        new = rewritten[url] = loopback_url(server.port, url)
        if url in replica.responses:
            body = replica.responses[url][1].read_bytes()
            route = Route("flaky", body, failures=1, delay=delay) if url in flaky else Route("body", body, delay=delay)
        else:
            route = dead[url]
            if route.kind == "redirect":
                route = replace(route, location=new)
            route = replace(route, delay=delay)
        server.add(new, route)
    return [replace(r, url=rewritten[r.url]) for r in replica.rows]


def wait_until(predicate, timeout: float, step: float = 0.02) -> bool:
    """Poll ``predicate`` until true or ``timeout`` seconds passed."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def fast_settings(**changes) -> FetchSettings:
    """Download settings with short timeouts, so failure paths cost fractions of a second."""
    base = FetchSettings(
        workers=16,
        per_host=16,
        connect_timeout=0.5,
        read_timeout=0.5,
        total_timeout=1.0,
        max_bytes=4_000_000,
        retries=2,
        backoff_factor=0.01,
        max_redirects=3,
        progress_interval=0.0,
    )
    return replace(base, **changes)


def png_bytes(size=(16, 12), color=(200, 30, 40), mode="RGB", fmt="PNG", **save) -> bytes:
    """A small encoded image."""
    buf = io.BytesIO()
    Image.new(mode, size, color).save(buf, format=fmt, **save)
    return buf.getvalue()


def make_row(
    url: str, body: bytes, face_id: int, name: str = "Test Person", image_id: int | None = None, bbox=(2, 2, 10, 10)
) -> ListRow:
    """A list row describing ``body`` at ``url``."""
    return ListRow(
        name,
        face_id if image_id is None else image_id,
        face_id,
        url,
        tuple(bbox),
        hashlib.sha256(body).hexdigest(),
        "test",
        face_id,
    )
