"""A real single-node SLURM cluster on localhost, started and stopped by the test.

Settings and pitfalls from ../shared/notes/slurm-on-localhost.md (verified on this machine
kind): munge auth, no cgroups, no accounting (status via squeue, MinJobAge 300), the config at
the default path /etc/slurm/slurm.conf (removed again on stop: with the executor plugin
installed, every snakemake start would otherwise wait for a dead slurmctld), daemons stopped
by their pid files, never by name.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

CONF = Path("/etc/slurm/slurm.conf")
PARTITION = "debug"


def available() -> str | None:
    """None if a cluster can be started here, else why not."""
    missing = [c for c in ("slurmctld", "slurmd", "munged", "sbatch", "squeue") if not shutil.which(c)]
    if missing:
        install = "apt-get install slurmctld slurmd slurm-client munge"
        return f"needs SLURM and munge ({', '.join(missing)} not found: {install})"
    if os.geteuid() != 0:
        return "needs root to start slurmd and munged"
    if CONF.exists():
        return f"{CONF} already exists: refusing to touch a configured cluster"
    return None


def _conf(state: Path) -> str:
    host = socket.gethostname().split(".")[0]
    cpus = os.cpu_count() or 1
    mem_mb = int(
        int(next(line.split()[1] for line in open("/proc/meminfo") if line.startswith("MemTotal"))) / 1024 * 0.8
    )
    return f"""ClusterName=digitface
SlurmctldHost={host}
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=500
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
MinJobAge=300
ReturnToService=2
StateSaveLocation={state}/ctld
SlurmdSpoolDir={state}/d
SlurmctldPidFile={state}/slurmctld.pid
SlurmdPidFile={state}/slurmd.pid
SlurmctldLogFile={state}/slurmctld.log
SlurmdLogFile={state}/slurmd.log
NodeName={host} CPUs={cpus} RealMemory={mem_mb} State=UNKNOWN
PartitionName={PARTITION} Nodes={host} Default=YES MaxTime=INFINITE State=UP
"""


class Cluster:
    def __init__(self, state: Path):
        self.state = state
        self.pidfiles = [state / "slurmctld.pid", state / "slurmd.pid"]
        self.munge_pid: int | None = None

    def start(self, timeout: float = 60.0) -> None:
        for sub in ("ctld", "d"):
            (self.state / sub).mkdir(parents=True, exist_ok=True)
        CONF.parent.mkdir(parents=True, exist_ok=True)
        CONF.write_text(_conf(self.state))
        run = Path("/run/munge")
        run.mkdir(parents=True, exist_ok=True)
        shutil.chown(run, "munge", "munge")
        pidfile = run / "munged.pid"
        if not pidfile.exists():
            subprocess.run(["runuser", "-u", "munge", "--", "/usr/sbin/munged"], check=True)
            self._wait(lambda: pidfile.exists(), timeout, "munged")
            self.munge_pid = int(pidfile.read_text().split()[0])
        subprocess.run(["slurmctld", "-c"], check=True)
        subprocess.run(["slurmd"], check=True)
        self._wait(self._idle, timeout, "an idle node")

    @staticmethod
    def _idle() -> bool:
        out = subprocess.run(["sinfo", "-h", "-o", "%T"], capture_output=True, text=True).stdout
        return "idle" in out

    @staticmethod
    def _wait(predicate, timeout: float, what: str) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if predicate():
                return
            time.sleep(0.5)
        raise TimeoutError(f"SLURM: no {what} after {timeout:.0f} s")

    def stop(self) -> None:
        subprocess.run(["scancel", "--user=root"], capture_output=True)
        for pidfile in self.pidfiles:
            if pidfile.exists():
                try:
                    os.kill(int(pidfile.read_text().split()[0]), signal.SIGTERM)
                except (ProcessLookupError, ValueError):
                    pass
        if self.munge_pid is not None:
            try:
                os.kill(self.munge_pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        CONF.unlink(missing_ok=True)
