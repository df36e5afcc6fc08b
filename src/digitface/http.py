"""One configured ``requests.Session`` for every download: retries with backoff, no surprises,
and a hard deadline per exchange.

urllib3's ``Retry`` handles connection errors and 5xx answers with exponential backoff, so no
download code writes its own retry loop.

Why a deadline of our own: timeouts bound each socket operation, not an exchange. A server
that sends its status line and headers one byte every half second never trips a 10 s read
timeout, and holds the worker for as long as it likes, before any body arrives. Inside
:func:`deadline`, every connection the thread opens or reuses is registered, and when the time
is up a watchdog shuts their sockets down: whatever the thread was blocked in (headers, a
redirect's headers, the body) returns at once with an error, connects after that are refused,
and a connect in flight never waits past the deadline.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, NameResolutionError
from urllib3.util.retry import Retry

RETRY_STATUSES = (500, 502, 503, 504)


class Deadline:
    """One exchange's time limit: the connections it used, and whether it has expired."""

    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds
        self.expired = threading.Event()
        self._lock = threading.Lock()
        self._connections: list = []

    def remaining(self) -> float:
        return self.end - time.monotonic()

    def register(self, connection) -> None:
        with self._lock:
            self._connections.append(connection)
        if self.expired.is_set():
            self._shut(connection)

    def expire(self) -> None:
        self.expired.set()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            self._shut(connection)

    @staticmethod
    def _shut(connection) -> None:
        sock = getattr(connection, "sock", None)
        if sock is not None:
            try:  # the plain socket's shutdown, also under TLS: wakes any blocked read
                socket.socket.shutdown(sock, socket.SHUT_RDWR)
            except OSError:
                pass


_ACTIVE = threading.local()


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[Deadline]:
    """Bound everything this thread does over HTTP inside to ``seconds`` (see module doc);
    ``.expired`` says afterwards whether the watchdog had to step in."""
    limit = Deadline(seconds)
    timer = threading.Timer(max(seconds, 0.0), limit.expire)
    timer.daemon = True
    previous = getattr(_ACTIVE, "deadline", None)
    _ACTIVE.deadline = limit
    timer.start()
    try:
        yield limit
    finally:
        timer.cancel()
        _ACTIVE.deadline = previous


class _DeadlineMixin:
    """Registers the connection with the thread's deadline; caps and refuses connects."""

    def _new_conn(self):
        limit = getattr(_ACTIVE, "deadline", None)
        if limit is not None:
            left = limit.remaining()
            if left <= 0 or limit.expired.is_set():
                raise ConnectTimeoutError(self, f"Connection to {self.host} not attempted: deadline passed")
            if self.timeout is None or self.timeout > left:
                self.timeout = left
        return super()._new_conn()

    def request(self, *args, **kwargs):
        limit = getattr(_ACTIVE, "deadline", None)
        if limit is not None:
            limit.register(self)
        return super().request(*args, **kwargs)


class _HTTPConnection(_DeadlineMixin, urllib3.connection.HTTPConnection):
    pass


class _HTTPSConnection(_DeadlineMixin, urllib3.connection.HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


class _FinalOnUnknownHost(Retry):
    """urllib3's Retry, except that a host name that does not resolve (an offline machine, a
    typo) fails at once: retrying with backoff would only delay the same answer."""

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):
        if isinstance(error, NameResolutionError):
            raise MaxRetryError(_pool, url, error) from error
        return super().increment(method, url, response, error, _pool, _stacktrace)


class _DeadlineAdapter(HTTPAdapter):
    """requests' adapter whose connections obey :func:`deadline`."""

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}


def make_session(
    retries: int = 2,
    backoff: float = 0.2,
    pool_size: int = 10,
    max_redirects: int = 5,
    *,
    retry_reads: bool = True,
    respect_retry_after: bool = True,
    statuses: tuple[int, ...] = RETRY_STATUSES,
    user_agent: str = "digitface/0.1 (+reproducible workflow)",
) -> requests.Session:
    """A session that retries connection errors and ``statuses`` answers ``retries`` times
    with backoff. Bulk downloads turn off read retries (a hung host would cost ``retries``
    more read timeouts) and Retry-After (a host could park a worker for hours)."""
    retry = _FinalOnUnknownHost(
        total=retries,
        connect=retries,
        read=retries if retry_reads else False,
        status=retries,
        redirect=max_redirects,
        backoff_factor=backoff,
        status_forcelist=statuses,
        allowed_methods=frozenset({"GET", "HEAD"}),
        raise_on_status=False,
        raise_on_redirect=True,
        respect_retry_after_header=respect_retry_after,
    )
    adapter = _DeadlineAdapter(max_retries=retry, pool_connections=pool_size, pool_maxsize=pool_size)
    session = requests.Session()
    session.max_redirects = max_redirects
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = user_agent
    return session
