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
daemon thread, so a finished run does not wait for it to fire).

No supported setting does this: ``--max-jobs-per-timespan`` always makes a rate limiter (a
longer timespan only delays the timers, and a finished run waits for the last one). So the
patch is guarded: it replaces the method only if its source is, byte for byte, the one it was
written for (:data:`REPLACED_SHA256`, checked on Snakemake :data:`CHECKED_ON`); any other
Snakemake is left as it is with a warning, and tests/test_scheduling.py fails naming the
installed version, so an upgrade cannot change the patch's meaning silently.
"""

from __future__ import annotations

import hashlib
import inspect
import logging
import threading

logger = logging.getLogger(__name__)

_PATCHED = "_digitface_one_pending_reevaluation"
#: The Snakemake release whose ``JobScheduler._schedule_reevalutation`` the patch was written for.
CHECKED_ON = "9.27.1"
#: SHA-256 of that method's source (``inspect.getsource``).
REPLACED_SHA256 = "bb09f100ea5766bbab2a2fa26d28d2a7488140ed6e74224adcebab65112bbf69"


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
    """Patch Snakemake's scheduler class (once) if it is the code the patch was written for;
    whether it is patched."""
    if scheduler_class is None:
        try:
            from snakemake.scheduling.job_scheduler import JobScheduler as scheduler_class
        except ImportError:
            return False
    if getattr(scheduler_class, _PATCHED, False):
        return True
    problem = replaced_method_problem(scheduler_class)
    if problem:
        logger.warning(
            "%s: Snakemake's scheduler is left as it is (runs stay correct; with hundreds of "
            "jobs Snakemake itself uses more CPU)",
            problem,
        )
        return False
    scheduler_class._digitface_replaced = scheduler_class._schedule_reevalutation
    scheduler_class._schedule_reevalutation = _schedule_once
    setattr(scheduler_class, _PATCHED, True)
    return True


def replaced_method_problem(scheduler_class: type) -> str | None:
    """Why ``scheduler_class._schedule_reevalutation`` is not the method the patch replaces (None
    if it is), naming the installed Snakemake."""
    method = getattr(scheduler_class, "_digitface_replaced", None) or getattr(
        scheduler_class, "_schedule_reevalutation", None
    )
    try:
        source = inspect.getsource(method) if callable(method) else None
    except (OSError, TypeError):
        source = None
    if source is not None and hashlib.sha256(source.encode()).hexdigest() == REPLACED_SHA256:
        return None
    try:
        from snakemake import __version__ as version
    except ImportError:
        version = "unknown"
    name = f"{scheduler_class.__name__}._schedule_reevalutation"
    what = f"has no {name}, the method" if source is None else f"{name} is not the code"
    return f"Snakemake {version}: {what} digitface.scheduling was written for (Snakemake {CHECKED_ON})"
