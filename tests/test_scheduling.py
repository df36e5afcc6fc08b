"""One pending re-evaluation timer (digitface.scheduling): Snakemake's scheduler keeps its
job-rate re-evaluation without a new chain of rounds per finished job."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

from digitface.scheduling import one_pending_reevaluation


class _Scheduler:
    """The part of Snakemake's JobScheduler the patch touches."""

    def __init__(self) -> None:
        self._open_jobs = threading.Semaphore(0)

    def _schedule_reevalutation(self, delay: float) -> None:  # replaced by the patch
        raise AssertionError("not patched")


def test_one_timer_is_pending_at_a_time_and_the_next_round_may_start_another():
    assert one_pending_reevaluation(_Scheduler) and one_pending_reevaluation(_Scheduler)  # idempotent
    scheduler = _Scheduler()
    for _ in range(5):  # five rounds in quick succession (job finishes): one timer
        scheduler._schedule_reevalutation(0.2)
    assert scheduler._open_jobs.acquire(timeout=5)
    time.sleep(0.3)
    assert not scheduler._open_jobs.acquire(blocking=False)  # no second release
    scheduler._schedule_reevalutation(0.1)  # the round the timer started schedules the next
    assert scheduler._open_jobs.acquire(timeout=5)


def test_a_scheduler_without_the_method_is_left_alone():
    class Other:
        pass

    assert not one_pending_reevaluation(Other)
    assert not hasattr(Other, "_schedule_reevalutation")


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
    proc = subprocess.run([sys.executable, "-m", "snakemake", "--cores", "1", "--verbose"], cwd=folder,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert len(list((folder / "out").glob("*.txt"))) == 12
    return sum(1 for line in (proc.stdout + proc.stderr).splitlines() if line.startswith("Ready jobs"))


def test_a_real_run_schedules_a_few_rounds_per_job_not_one_more_per_finished_job(tmp_path):
    patched, unpatched = _rounds(tmp_path / "patched", True), _rounds(tmp_path / "as_is", False)
    assert patched <= 3 * 12, patched
    assert unpatched > patched, (unpatched, patched)
