"""A report of what a run has built, whatever part of it was built.

``snakemake --report`` documents the jobs of its targets, and without a target that is the
default one, ``all``: after ``snakemake faces`` it would stop because the digits' and the
summary's files do not exist. Snakemake's settings do not tell the Snakefile that it is making a
report, so :func:`report_only` reads the command line with Snakemake's own argument parser, and
the workflow then asks, for a report of the default target, only for the targets that exist.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Sequence


class NothingToReport(ValueError):
    """A report was asked for before the run built anything; the message says what to run."""


def report_only(argv: Sequence[str]) -> tuple[list[str], str] | None:
    """(the targets typed, the report's path) when the command makes a report without running
    anything (``--report`` without ``--report-after-run``); None otherwise, or if the command
    line is not Snakemake's (the API, a test harness)."""
    if not any(arg == "--report" or arg.startswith("--report=") for arg in argv):
        return None  # building Snakemake's parser costs a second: only for a report
    try:
        from snakemake.cli import get_argument_parser

        args, _ = get_argument_parser().parse_known_args(list(argv[1:]))
    except (Exception, SystemExit):  # argparse exits on what it cannot read: not our business
        return None
    if args.report is None or args.report_after_run:
        return None
    return sorted(args.targets), str(args.report)


def built(targets: Sequence[str], pathvars: dict[str, str], configfiles: Sequence[str], report: str) -> list[str]:
    """The ``targets`` (with ``<name>`` path variables) whose files exist; raises
    :class:`NothingToReport` naming the commands to run when none does."""

    def resolved(target: str) -> str:
        for name, value in pathvars.items():
            target = target.replace(f"<{name}>", value)
        return target

    present = [t for t in targets if Path(resolved(t)).exists()]
    if not present:
        config = "".join(f" --configfile {shlex.quote(str(c))}" for c in configfiles)
        raise NothingToReport(
            f"nothing of this run is built yet ({resolved('<results>')}/ holds none of its results): "
            f"run `snakemake --cores 4{config}` (or one part: `snakemake --cores 4 digits{config}`, "
            f"`faces`, `faces_data`), then `snakemake{config} --report {shlex.quote(report)}`"
        )
    return present
