"""Keep freed memory for reuse while a PyTorch job trains or extracts (glibc only).

glibc serves every allocation above its mmap threshold (at most 32 MB) with a fresh mapping and
unmaps it when freed. A training step allocates and frees buffers the size of a weight matrix
(the AlexNet-feature MLP's first layer: 43,264 x 600 floats, 104 MB) every step, so the kernel
zeroes and faults in that many pages again each time: measured on the feature MLP at minibatch
20, 40% of a step's time was system time for those page faults. With mappings turned off and
trimming put off, freed blocks stay in the heap and the next step reuses them. It is glibc's
documented interface (``mallopt``); elsewhere this does nothing.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import platform
from typing import Iterator

_M_TRIM_THRESHOLD = -1
_M_MMAP_MAX = -4
# glibc's defaults, restored afterwards (its documentation: mallopt(3)).
_DEFAULTS = {_M_TRIM_THRESHOLD: 128 * 1024, _M_MMAP_MAX: 65536}
_KEEP = {_M_TRIM_THRESHOLD: 2**31 - 1, _M_MMAP_MAX: 0}


def _libc():
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return None
    return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")


def _set(libc, values: dict[int, int]) -> bool:
    return all(libc.mallopt(key, value) == 1 for key, value in values.items())


@contextlib.contextmanager
def reused_freed_memory() -> Iterator[bool]:
    """Inside, large freed blocks are kept for reuse (True if that could be set); glibc's
    defaults again after."""
    libc = _libc()
    applied = libc is not None and _set(libc, _KEEP)
    try:
        yield applied
    finally:
        if libc is not None:
            _set(libc, _DEFAULTS)
