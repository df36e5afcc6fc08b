"""Progress lines for long stages: done/total, rate and ETA, logged at most every ``interval`` s.

A FaceScrub download runs for minutes to hours; a line per item would drown the log and no
line at all looks like a hang, so the stage reports on a clock instead.
"""

from __future__ import annotations

import logging
import time


class Progress:
    """Call :meth:`advance` per finished item; logs when ``interval`` seconds have passed and at the end."""

    def __init__(self, logger: logging.Logger, what: str, total: int, interval: float) -> None:
        self._logger, self._what, self.total, self._interval = logger, what, total, interval
        self.done = 0
        self._start = self._last = time.monotonic()

    def advance(self, count: int = 1) -> None:
        self.done += count
        now = time.monotonic()
        if self.done >= self.total or now - self._last >= self._interval:
            self._last = now
            elapsed = now - self._start
            rate = self.done / elapsed if elapsed > 0 else 0.0
            eta = (self.total - self.done) / rate if rate > 0 else float("nan")
            self._logger.info(
                "%s: %d/%d (%.0f%%), %.1f/s, elapsed %.0fs, ETA %.0fs",
                self._what,
                self.done,
                self.total,
                100.0 * self.done / max(self.total, 1),
                rate,
                elapsed,
                eta,
            )
