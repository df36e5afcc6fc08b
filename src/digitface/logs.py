"""Logging for Snakemake scripts: everything, including tracebacks, lands in the job's log."""

from __future__ import annotations

import atexit
import logging
import re
import resource
import sys
from pathlib import Path

#: The line every job's log ends with (exact, unlike sampling); :func:`read_usage` parses it.
PEAK_FORMAT = "peak resident memory %.1f MB, CPU %.2f s"
_PEAK_LINE = re.compile(r"peak resident memory ([0-9.]+) MB, CPU ([0-9.]+) s")
_usage_logged_at_exit = False


def peak_memory_mb() -> float:
    """This process's high-water mark of resident memory, as the kernel counts it (Linux
    reports ru_maxrss in KiB, macOS in bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024


def _log_usage() -> None:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    logging.getLogger("digitface.job").info(PEAK_FORMAT, peak_memory_mb(), usage.ru_utime + usage.ru_stime)


def read_usage(log_text: str) -> list[tuple[float, float]]:
    """(peak resident memory in MB, CPU seconds) of every usage line in a job's log."""
    return [(float(mb), float(cpu)) for mb, cpu in _PEAK_LINE.findall(log_text)]


def log_to_file(path: str | Path | None, level: int = logging.INFO) -> None:
    """Send the root logger and stderr to ``path`` (appending), so ``--show-failed-logs``
    prints progress lines and the traceback of a failed job."""
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        stream = open(path, "a", buffering=1, encoding="utf-8")
        sys.stderr = stream
        handlers = [logging.StreamHandler(stream)]
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        handlers=handlers,
        force=True,
    )
    # Every job's log says what it cost at the end: what a cluster user sets mem_mb from (once,
    # however often a process redirects its logging).
    global _usage_logged_at_exit
    if not _usage_logged_at_exit:
        atexit.register(_log_usage)
        _usage_logged_at_exit = True
