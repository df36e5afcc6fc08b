"""The name of the run's folder (``results/<run>/``): the one setting every output path holds,
so it is decided, and refused when it cannot be a folder name, before anything else reads it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from digitface.config import ConfigError

DEFAULT_RUN = "sample"
RUN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
MAX_RUN_NAME = 100  # a folder name; file systems take 255 bytes


def run_name(config: Mapping, configfiles: Sequence[str | Path] = ()) -> str:
    """The name of the run's folder (``results/<run>/``).

    ``run`` when set; else the name of the last ``--configfile`` without its suffix (so a
    config file that forgets ``run`` never writes into another run's folder); else
    ``sample``, the bundled default data.
    """
    name = config.get("run") or (Path(configfiles[-1]).stem if configfiles else DEFAULT_RUN)
    if not RUN_NAME.fullmatch(str(name)):
        raise ConfigError(f"run: {name!r} is not a folder name (letters, digits, '_', '.', '-')")
    if len(str(name)) > MAX_RUN_NAME:
        raise ConfigError(
            f"run: {str(name)[:40]}... has {len(str(name))} characters; a run's folder name "
            f"takes at most {MAX_RUN_NAME} (set `run:` in the config file)"
        )
    return str(name)
