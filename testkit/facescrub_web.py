"""A FaceScrub-size web on loopback: a list of N identities x M rows in the real format, and
servers that answer every listed URL deterministically, for runs at scale without the internet.

Rows: invented names ("Synthetic Person A", ...), global image and face ids, boxes, SHA-256,
and URLs spread over ``hosts`` host names, each a port of its own on 127.0.0.1 (the per-host
limit of the download stage sees them as different hosts). A URL answers, after ``latency``,
with a synthetic photograph of its identity (the bundled sample's generator, varied per
identity and photo: mostly JPEG, some PNG and GIF) or with a fault drawn from the mix of the
2018 replica: 404, 5xx, connection resets, hangs, slow trickles, HTML pages and empty bodies
with status 200, redirect loops, and images whose checksum is not the listed one. About 40% of
the rows are good, as in the replica's answered rows. Everything follows from ``seed``: two
webs of one spec are identical, byte for byte.

Traffic stays on 127.0.0.1; :class:`FacescrubWeb` stops its servers when its context ends or,
whatever happens, after ``lifetime`` seconds.
"""

from __future__ import annotations

import hashlib
import random
import threading
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from digitface.faces.data.lists import ListRow, format_row
from testkit import synthetic_faces as synthetic
from testkit.loopback import LoopbackServer, Route

#: What the rows answer: the good share and the faults, as in the 2018 replica's mix.
MIX = {
    "ok": 0.40,
    "404": 0.30,
    "5xx": 0.05,
    "reset": 0.05,
    "hang": 0.03,
    "trickle": 0.02,
    "html": 0.07,
    "empty": 0.02,
    "loop": 0.02,
    "sha_mismatch": 0.04,
}
SEED = 20180301


@dataclass(frozen=True)
class WebSpec:
    identities: int
    rows_per_identity: int
    hosts: int = 32
    latency: float = 0.0
    seed: int = SEED
    mix: dict = field(default_factory=lambda: dict(MIX))


@dataclass(frozen=True)
class WebRow:
    """One list row and what its URL answers (``kind``; ``body`` for ok and sha_mismatch)."""

    row: ListRow
    kind: str
    host: int
    path: str


def _photo(args: tuple[int, int, int, int]) -> tuple[bytes, tuple[int, int, int, int], str]:
    seed, identity, index, per_identity = args
    made = synthetic.make_row(seed, synthetic.make_identity(seed, identity), index, per_identity)
    return made.data, made.row.bbox, made.fmt


def _extension(fmt: str) -> str:
    return {"jpeg": "jpg", "png": "png", "gif": "gif"}.get(fmt.split("-")[0], "jpg")


def build(spec: WebSpec, cache: Path | None = None, workers: int = 2) -> tuple[list[WebRow], dict[str, bytes]]:
    """The rows and the bodies of the good (and checksum-mismatched) ones, by URL path.

    Photos are rendered in ``workers`` processes; with ``cache`` (a folder) they are kept as
    files named by their parameters, so a second build of the same spec reads them back.
    """
    rng = random.Random(spec.seed)
    kinds = list(spec.mix)
    weights = [spec.mix[k] for k in kinds]
    plan = []
    for identity in range(spec.identities):
        for index in range(spec.rows_per_identity):
            plan.append((identity, index, rng.choices(kinds, weights)[0], rng.randrange(spec.hosts)))
    wanted = [(spec.seed, i, n, spec.rows_per_identity) for i, n, kind, _ in plan if kind in ("ok", "sha_mismatch")]
    photos = _render(wanted, cache, workers)
    rows, bodies = [], {}
    for serial, (identity, index, kind, host) in enumerate(plan):
        name = synthetic.identity_name(identity)
        key = (spec.seed, identity, index, spec.rows_per_identity)
        if key in photos:
            data, bbox, fmt = photos[key]
            ext = _extension(fmt)
        else:
            data, bbox, ext = b"", (40, 40, 200, 200), "jpg"
        path = f"/h{host:03d}/{identity}/{index}.{ext}"
        if kind == "ok":
            sha = hashlib.sha256(data).hexdigest()
            bodies[path] = data
        elif kind == "sha_mismatch":  # the host now serves another picture than the listed one
            sha = hashlib.sha256(data + b"as listed").hexdigest()
            bodies[path] = data
        else:
            sha = hashlib.sha256(f"{spec.seed}:{serial}".encode()).hexdigest()
        row = ListRow(name, 1 + serial, 1 + serial, path, bbox, sha, "facescrub_web.txt", 1 + serial)
        rows.append(WebRow(row, kind, host, path))
    return rows, bodies


def _render(wanted: list[tuple[int, int, int, int]], cache: Path | None, workers: int) -> dict:
    found, todo = {}, []
    for key in wanted:
        meta = cache / ("_".join(map(str, key)) + ".meta") if cache else None
        if meta is not None and meta.exists():
            x1, y1, x2, y2, fmt = meta.read_text().split()
            found[key] = ((meta.with_suffix(".img")).read_bytes(), (int(x1), int(y1), int(x2), int(y2)), fmt)
        else:
            todo.append(key)
    if todo:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for key, made in zip(todo, pool.map(_photo, todo, chunksize=16)):
                found[key] = made
                if cache is not None:
                    cache.mkdir(parents=True, exist_ok=True)
                    stem = cache / "_".join(map(str, key))
                    stem.with_suffix(".img").write_bytes(made[0])
                    stem.with_suffix(".meta").write_text(" ".join(map(str, made[1])) + f" {made[2]}")
    return found


def list_text(rows: list[WebRow], ports: list[int]) -> str:
    """The list as FaceScrub's tab-separated file, URLs pointing at the servers' ports."""
    return "\n".join(format_row(located(r, ports)) for r in rows) + "\n"


def located(r: WebRow, ports: list[int]) -> ListRow:
    """The row as the list gives it: its URL on the port of its host's server."""
    return replace(r.row, url=f"http://127.0.0.1:{ports[r.host]}{r.path}")


def _route(r: WebRow, bodies: dict[str, bytes], latency: float) -> Route:
    page = b"<!DOCTYPE html><html><body><h1>404 - this image has moved</h1></body></html>"
    return {
        "ok": lambda: Route("body", bodies.get(r.path, b""), delay=latency),
        "sha_mismatch": lambda: Route("body", bodies.get(r.path, b""), delay=latency),
        "404": lambda: Route("body", b"not found", status=404, delay=latency),
        "5xx": lambda: Route("body", b"busy", status=503, delay=latency),
        "reset": lambda: Route("raw", b"", delay=latency),
        "hang": lambda: Route("hang"),
        "trickle": lambda: Route("trickle", length=400, interval=0.25, delay=latency),
        "html": lambda: Route("body", page, delay=latency),
        "empty": lambda: Route("body", b"", delay=latency),
        "loop": lambda: Route("redirect", location="", delay=latency),
    }[r.kind]()


class FacescrubWeb:
    """``hosts`` loopback servers answering every row of :func:`build`; a context manager."""

    def __init__(
        self,
        spec: WebSpec,
        rows: list[WebRow],
        bodies: dict[str, bytes],
        lifetime: float = 7200,
        hang_seconds: float = 60,
    ) -> None:
        self.spec, self.rows = spec, rows
        self.servers = [LoopbackServer(hang_seconds=hang_seconds) for _ in range(spec.hosts)]
        self.ports = [s.port for s in self.servers]
        for r in rows:
            server = self.servers[r.host]
            route = _route(r, bodies, spec.latency)
            if route.kind == "redirect":
                route = Route("redirect", location=server.url(r.path), delay=route.delay)
            server.add(server.url(r.path), route)
        self._timer = threading.Timer(lifetime, self.stop)
        self._timer.daemon = True
        self._stopped = False

    def __enter__(self) -> "FacescrubWeb":
        for s in self.servers:
            s.__enter__()
        self._timer.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self._timer.cancel()
        for s in self.servers:
            s.__exit__(None, None, None)

    def list_text(self) -> str:
        return list_text(self.rows, self.ports)

    def requests(self) -> int:
        return sum(sum(s.hits.values()) for s in self.servers)


def _serve(conn, spec: WebSpec, rows: list[WebRow], bodies: dict[str, bytes], lifetime: float) -> None:
    """The child of :class:`WebProcess`: serve until told to stop, answer counts on request."""
    with FacescrubWeb(spec, rows, bodies, lifetime=lifetime) as web:
        conn.send(web.ports)
        while True:
            message = conn.recv()
            if message == "requests":
                conn.send(web.requests())
            else:
                break


class WebProcess:
    """The same web served by a child process, so that what serves the URLs is not measured
    with the benchmark's own process (in-process limits) and has a CPU time of its own."""

    def __init__(self, spec: WebSpec, rows: list[WebRow], bodies: dict[str, bytes], lifetime: float = 4 * 3600):
        import multiprocessing

        self.spec, self.rows = spec, rows
        context = multiprocessing.get_context("fork")  # the child inherits rows and bodies as they are
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child, spec, rows, bodies, lifetime), daemon=True)
        self.ports: list[int] = []

    def __enter__(self) -> "WebProcess":
        self._process.start()
        self.ports = self._conn.recv()
        return self

    def __exit__(self, *exc) -> None:
        if self._process.is_alive():
            self._conn.send("stop")
            self._process.join(timeout=30)
        if self._process.is_alive():
            self._process.kill()

    def list_text(self) -> str:
        return list_text(self.rows, self.ports)

    def requests(self) -> int:
        self._conn.send("requests")
        return self._conn.recv()

    def cpu_seconds(self) -> float:
        import psutil

        t = psutil.Process(self._process.pid).cpu_times()
        return t.user + t.system
