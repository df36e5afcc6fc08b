"""One configured ``requests.Session`` for every download: retries with backoff, no surprises.

urllib3's ``Retry`` handles connection errors and 5xx answers with exponential backoff, so no
download code writes its own retry loop.
"""

from __future__ import annotations

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

RETRY_STATUSES = (500, 502, 503, 504)


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
    retry = Retry(
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
    adapter = HTTPAdapter(max_retries=retry, pool_connections=pool_size, pool_maxsize=pool_size)
    session = requests.Session()
    session.max_redirects = max_redirects
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = user_agent
    return session


def fetch_bytes(
    session: requests.Session, url: str, timeout: tuple[float, float], max_bytes: int
) -> bytes:
    """GET ``url`` and return the body, refusing error statuses and bodies over ``max_bytes``
    (checked while streaming, so a huge or endless body never fills memory)."""
    with session.get(url, stream=True, timeout=timeout) as resp:
        resp.raise_for_status()
        body = bytearray()
        for chunk in resp.iter_content(chunk_size=1 << 16):
            body += chunk
            if len(body) > max_bytes:
                raise ValueError(f"body exceeds {max_bytes} bytes")
        return bytes(body)
