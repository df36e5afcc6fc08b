"""Every job's log ends with one line of what the job cost, which read_usage parses."""

from __future__ import annotations

import subprocess
import sys

from digitface.logs import read_usage


def test_a_job_log_ends_with_its_peak_memory_and_cpu_once(tmp_path):
    log = tmp_path / "job.log"
    code = (
        "from digitface.logs import log_to_file\n"
        f"log_to_file({str(log)!r}); log_to_file({str(log)!r})\n"
        "import numpy as np; block = np.ones(20_000_000)  # 160 MB touched\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    text = log.read_text()
    usage = read_usage(text)
    assert len(usage) == 1, text
    peak_mb, cpu_s = usage[0]
    assert peak_mb > 150 and cpu_s > 0
    assert text.rstrip().splitlines()[-1].endswith(f"CPU {cpu_s:.2f} s")
