"""Keep Snakemake's scheduler to one pending re-evaluation timer.

Snakemake 9's scheduler (``JobScheduler.schedule``) ends every round in which jobs wait by
starting a timer that, after the job-rate limiter's timespan (1 s by default), starts another
round; that round starts another timer. A round started by anything else (a job finishing)
starts a timer too, so each job that finishes while others wait adds one more timer chain
that never stops while jobs wait: after k such jobs, k rounds a second, each sizing and
scoring ready jobs. Thirty one-second jobs on one core make 466 rounds instead of about 60,
and at 150 FaceScrub identities this was most of Snakemake's own CPU (the scale benchmark).

The timer exists so that jobs held back by the rate limiter are looked at again once its
window has passed; one pending timer does that. :func:`one_pending_reevaluation` replaces the
method that starts them with one that starts a timer only when none is pending (and as a
daemon thread, so a finished run does not wait for it to fire). Without the method (another
Snakemake version) it changes nothing.
"""

from __future__ import annotations

import logging
import threading

logger = logging.getLogger(__name__)

_PATCHED = "_digitface_one_pending_reevaluation"


def _schedule_once(self, delay: float) -> None:
    """Start a re-evaluation after ``delay`` seconds unless one is already pending."""
    if getattr(self, "_digitface_reevaluation_pending", False):
        return
    self._digitface_reevaluation_pending = True

    def fire() -> None:
        # Cleared before the release: the round it starts may schedule the next one.
        self._digitface_reevaluation_pending = False
        self._open_jobs.release()

    timer = threading.Timer(delay, fire)
    timer.daemon = True
    timer.start()


def one_pending_reevaluation(scheduler_class: type | None = None) -> bool:
    """Patch Snakemake's scheduler class (once); whether it is patched."""
    if scheduler_class is None:
        try:
            from snakemake.scheduling.job_scheduler import JobScheduler as scheduler_class
        except ImportError:
            return False
    if getattr(scheduler_class, _PATCHED, False):
        return True
    if not callable(getattr(scheduler_class, "_schedule_reevalutation", None)):
        logger.info("Snakemake's scheduler has no _schedule_reevalutation: left as it is")
        return False
    scheduler_class._schedule_reevalutation = _schedule_once
    setattr(scheduler_class, _PATCHED, True)
    return True
