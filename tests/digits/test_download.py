"""MNIST download from mirrors, against HTTP servers on 127.0.0.1 serving ../shared/data/mnist."""

import functools
import gzip
import http.server
import socket
import threading

import pytest

from digitface.digits.download import DownloadSettings, MirrorsExhausted, download_idx, download_mnist
from digitface.digits.idx import read_idx

STEM = "t10k-labels-idx1-ubyte"
FAST = DownloadSettings(timeout_connect=1, timeout_read=2, retries=1)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    hits: list

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.hits.append(self.path)
        super().do_GET()


@pytest.fixture
def serve():
    """serve(folder) -> base URL of a static server on 127.0.0.1; records requested paths."""
    servers = []

    def start(folder):
        handler = functools.partial(type("H", (_QuietHandler,), {"hits": []}), directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}", handler.func.hits

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def dead_mirror():
    """A URL on a port where nothing listens (connection refused)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}/mnist"


@pytest.fixture
def corrupt_dir(tmp_path, shared_mnist_dir):
    """A mirror whose file is a valid gzip of the WRONG content (one label changed)."""
    raw = bytearray(gzip.decompress((shared_mnist_dir / f"{STEM}.gz").read_bytes()))
    raw[100] = (raw[100] + 1) % 10
    folder = tmp_path / "corrupt"
    folder.mkdir()
    (folder / f"{STEM}.gz").write_bytes(gzip.compress(bytes(raw)))
    return folder


def test_falls_through_dead_and_corrupt_mirrors(tmp_path, serve, dead_mirror, corrupt_dir, shared_mnist_dir):
    bad, bad_hits = serve(corrupt_dir)
    good, good_hits = serve(shared_mnist_dir)
    missing, _ = serve(tmp_path / "empty_does_not_exist")  # answers 404
    dest = tmp_path / "out" / f"{STEM}.gz"
    used = download_idx(STEM, [dead_mirror, missing, bad, good], dest, settings=FAST)
    assert used == f"{good}/{STEM}.gz"
    assert bad_hits == [f"/{STEM}.gz"] and good_hits == [f"/{STEM}.gz"]
    assert read_idx(dest).shape == (10000,)
    assert dest.read_bytes() == (shared_mnist_dir / f"{STEM}.gz").read_bytes()
    assert [p.name for p in dest.parent.iterdir()] == [dest.name]  # no temp files left


def test_all_mirrors_failing_names_each_failure(tmp_path, serve, dead_mirror, corrupt_dir):
    bad, _ = serve(corrupt_dir)
    dest = tmp_path / f"{STEM}.gz"
    with pytest.raises(MirrorsExhausted) as err:
        download_idx(STEM, [dead_mirror, bad], dest, settings=FAST)
    message = str(err.value)
    assert "ConnectionError" in message and dead_mirror in message
    assert "md5 of decompressed content" in message
    assert not dest.exists()


def test_truncated_gzip_and_oversized_body_are_failures(tmp_path, serve, shared_mnist_dir):
    folder = tmp_path / "trunc"
    folder.mkdir()
    body = (shared_mnist_dir / f"{STEM}.gz").read_bytes()
    (folder / f"{STEM}.gz").write_bytes(body[: len(body) // 2])
    url, _ = serve(folder)
    with pytest.raises(MirrorsExhausted, match="EOFError"):
        download_idx(STEM, [url], tmp_path / "x.gz", settings=FAST)
    small = DownloadSettings(timeout_connect=1, timeout_read=2, retries=0, max_bytes=1000)
    good, _ = serve(shared_mnist_dir)
    with pytest.raises(MirrorsExhausted, match="more than the cap of 1000"):
        download_idx(STEM, [good], tmp_path / "y.gz", settings=small)


def test_a_gzip_bomb_is_refused_while_streaming(tmp_path, serve):
    """A 200 KB file that would inflate to 200 MB: refused once it passes the official size,
    with memory that never holds more than a block of it."""
    import tracemalloc
    import zlib

    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip container
    zeros = bytes(1 << 20)
    bomb = b"".join(packer.compress(zeros) for _ in range(200)) + packer.flush()
    assert len(bomb) < 300_000
    folder = tmp_path / "bomb"
    folder.mkdir()
    (folder / f"{STEM}.gz").write_bytes(bomb)
    url, _ = serve(folder)
    tracemalloc.start()
    try:
        with pytest.raises(MirrorsExhausted, match="decompresses to more than the official 10008 bytes"):
            download_idx(STEM, [url], tmp_path / "z.gz", settings=FAST)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2**20, f"peak {peak / 2**20:.1f} MiB"
    assert not (tmp_path / "z.gz").exists() and not (tmp_path / "z.gz.part").exists()


def test_a_plain_idx_body_is_checked_as_well(tmp_path, serve, shared_mnist_dir):
    """A mirror serving the decompressed file under the .gz name: accepted only if it is the data."""
    folder = tmp_path / "plain"
    folder.mkdir()
    (folder / f"{STEM}.gz").write_bytes(gzip.decompress((shared_mnist_dir / f"{STEM}.gz").read_bytes()))
    url, _ = serve(folder)
    assert download_idx(STEM, [url], tmp_path / "p.gz", settings=FAST) == f"{url}/{STEM}.gz"
    assert read_idx(tmp_path / "p.gz").shape == (10000,)


def test_the_download_job_takes_its_settings_from_the_configuration(tmp_path, serve, shared_mnist_dir):
    good, _ = serve(shared_mnist_dir)
    settings = {"timeout_connect": 1, "timeout_read": 2, "retries": 0}
    assert download_mnist(STEM, [good], settings, tmp_path / f"{STEM}.gz") == f"{good}/{STEM}.gz"
    with pytest.raises(MirrorsExhausted):  # the configured size cap applies: 100 bytes are too few
        download_mnist(STEM, [good], {**settings, "max_bytes": 100}, tmp_path / "capped" / f"{STEM}.gz")
