"""One pending re-evaluation timer (digitface.scheduling): Snakemake's scheduler keeps its
job-rate re-evaluation without a new chain of rounds per finished job."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

from digitface.scheduling import one_pending_reevaluation


def _scheduler_class() -> type:
    """Snakemake's JobScheduler with only what the patch touches set up (the real method, so
    the guard lets the patch apply, to this subclass only)."""
    from snakemake.scheduling.job_scheduler import JobScheduler

    class _Scheduler(JobScheduler):
        def __init__(self) -> None:
            self._open_jobs = threading.Semaphore(0)

    return _Scheduler


def test_the_installed_snakemake_has_the_scheduler_code_the_patch_was_written_for():
    """Fails, naming the version, when a Snakemake upgrade changes the method the patch replaces:
    review digitface/scheduling.py against the new code, then update REPLACED_SHA256 and CHECKED_ON."""
    from snakemake.scheduling.job_scheduler import JobScheduler

    from digitface.scheduling import replaced_method_problem

    assert replaced_method_problem(JobScheduler) is None, replaced_method_problem(JobScheduler)


def test_one_timer_is_pending_at_a_time_and_the_next_round_may_start_another():
    _Scheduler = _scheduler_class()
    assert one_pending_reevaluation(_Scheduler) and one_pending_reevaluation(_Scheduler)  # idempotent
    scheduler = _Scheduler()
    for _ in range(5):  # five rounds in quick succession (job finishes): one timer
        scheduler._schedule_reevalutation(0.2)
    assert scheduler._open_jobs.acquire(timeout=5)
    time.sleep(0.3)
    assert not scheduler._open_jobs.acquire(blocking=False)  # no second release
    scheduler._schedule_reevalutation(0.1)  # the round the timer started schedules the next
    assert scheduler._open_jobs.acquire(timeout=5)


def test_a_scheduler_without_the_method_or_with_other_code_is_left_alone_with_a_warning(caplog):
    class Other:
        pass

    class Changed:
        def _schedule_reevalutation(self, delay: int) -> None:
            threading.Timer(delay, lambda: None).start()

    original = Changed._schedule_reevalutation
    assert not one_pending_reevaluation(Other) and not one_pending_reevaluation(Changed)
    assert not hasattr(Other, "_schedule_reevalutation") and Changed._schedule_reevalutation is original
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 2 and all("written for (Snakemake 9.27.1)" in w for w in warnings), warnings
    assert "has no Other._schedule_reevalutation, the method digitface.scheduling was written for" in warnings[0]
    assert "Changed._schedule_reevalutation is not the code digitface.scheduling was written for" in warnings[1]


SNAKEFILE = """\
{patch}
rule all:
    input:
        expand("out/{{i}}.txt", i=range(12)),

rule wait:
    output:
        "out/{{i}}.txt",
    shell:
        "sleep 1; touch {{output}}"
"""
PATCH = "from digitface.scheduling import one_pending_reevaluation\n\none_pending_reevaluation()\n"


def _rounds(folder, patch: bool) -> int:
    """Scheduling rounds of a real run: 12 one-second jobs waiting for one core."""
    folder.mkdir()
    (folder / "Snakefile").write_text(SNAKEFILE.format(patch=PATCH if patch else ""))
    proc = subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", "1", "--verbose"], cwd=folder, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert len(list((folder / "out").glob("*.txt"))) == 12
    return sum(1 for line in (proc.stdout + proc.stderr).splitlines() if line.startswith("Ready jobs"))


def test_a_real_run_schedules_a_few_rounds_per_job_not_one_more_per_finished_job(tmp_path):
    patched, unpatched = _rounds(tmp_path / "patched", True), _rounds(tmp_path / "as_is", False)
    assert patched <= 3 * 12, patched
    assert unpatched > patched, (unpatched, patched)
