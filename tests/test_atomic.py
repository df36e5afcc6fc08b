import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from digitface.atomic import DiskFullError, atomic_path, read_tsv, write_bytes, write_tsv


def test_tables_read_back_as_written(tmp_path):
    path = tmp_path / "out" / "table.tsv"
    path.parent.mkdir()
    write_tsv(path, ["name", "value", "note"], [["a", 1, "92.67% ± 0.5"], ["b", 2.5, ""]])
    assert read_tsv(path) == [
        {"name": "a", "value": "1", "note": "92.67% ± 0.5"},
        {"name": "b", "value": "2.5", "note": ""},
    ]
    assert [p.name for p in path.parent.iterdir()] == ["table.tsv"]  # no temporary file left


@pytest.fixture
def full_disk(tmp_path):
    """A 256 KiB tmpfs, as a full disk looks to a job (needs root to mount; skipped otherwise)."""
    mount = tmp_path / "tiny-disk"
    mount.mkdir()
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)], capture_output=True, text=True
    )
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({proc.stderr.strip()})")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _save_array(dest, array):
    """``np.save`` through :func:`atomic_path`, as the jobs that write ``.npy`` files do."""
    with atomic_path(dest) as tmp:
        np.save(tmp, array, allow_pickle=False)


def _writers():
    from digitface.plotting import plt, save_figure

    def figure(dest):
        fig = plt.figure(figsize=(40, 40))
        fig.gca().imshow(np.random.default_rng(0).random((400, 400, 3)))
        save_figure(fig, dest, dpi=100)

    return {
        "bytes": ("blob.bin", lambda dest: write_bytes(dest, os.urandom(1 << 20))),
        "numpy array": ("crops.npy", lambda dest: _save_array(dest, np.ones((300, 64, 64, 3), np.uint8))),
        "table": ("table.tsv", lambda dest: write_tsv(dest, ["a"], [["x" * 100]] * 20_000)),
        "figure": ("figure.png", figure),
    }


@pytest.mark.parametrize("kind", ["bytes", "numpy array", "table", "figure"])
def test_a_full_disk_names_the_file_and_leaves_nothing(full_disk, kind):
    name, write = _writers()[kind]
    dest = full_disk / "out" / name
    with pytest.raises(DiskFullError, match=f"no space left on device .*while writing {dest}"):
        write(dest)
    assert list((full_disk / "out").iterdir()) == []  # no partial output, no temporary file


def test_the_download_journal_and_store_on_a_full_disk_fail_the_job_naming_the_file(full_disk, tmp_path):
    """A full disk is the job's fault, not a row's: the download stops with the file named."""
    from digitface.faces.data.download import download_actor
    from testkit.loopback import LoopbackServer, Route, fast_settings, make_row

    body = os.urandom(400_000)  # an "image" larger than the disk
    with LoopbackServer() as server:
        server.add(server.url("/big.jpg"), Route("body", body))
        rows = [make_row(server.url("/big.jpg"), body, 1)]
        with pytest.raises(DiskFullError, match="while writing .*store"):
            download_actor(rows, full_disk / "store", full_disk / "journal.jsonl", fast_settings())
    assert [p.name for p in (full_disk / "store").iterdir()] == []


def test_a_file_size_limit_is_reported_the_same_way(tmp_path):
    """RLIMIT_FSIZE (no root needed): numpy's short write becomes an error naming the file."""
    dest = tmp_path / "out.npy"
    code = textwrap.dedent(f"""
        import resource, signal
        import numpy as np
        from digitface.atomic import atomic_path
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))
        with atomic_path({str(dest)!r}) as tmp:
            np.save(tmp, np.ones((100, 64, 64, 3), np.uint8), allow_pickle=False)
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode != 0
    assert (
        f"file too large for this system's limits while writing {dest}" in proc.stderr
        or f"no space left on device (a short write) while writing {dest}" in proc.stderr
    ), proc.stderr
    assert list(tmp_path.iterdir()) == []
