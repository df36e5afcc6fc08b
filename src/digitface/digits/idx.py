"""Read the IDX format of the MNIST distribution (optionally gzip-compressed).

IDX: two zero bytes, a type code (0x08 = unsigned byte), the number of dimensions, then each
dimension as a big-endian uint32, then the data in C order.
"""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np

_UBYTE = 0x08


def parse_idx(raw: bytes) -> np.ndarray:
    """Decode IDX bytes (already decompressed) into a uint8 array, checking every size."""
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise ValueError("not an IDX file: bad magic number")
    if raw[2] != _UBYTE:
        raise ValueError(f"IDX type code 0x{raw[2]:02x} is not unsigned byte (0x08)")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError("IDX header truncated")
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    expected = int(np.prod(shape, dtype=np.int64))
    if len(raw) - header != expected:
        raise ValueError(f"IDX body has {len(raw) - header} bytes, shape {shape} needs {expected}")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape).copy()


def read_idx_bytes(path: str | Path) -> bytes:
    """Return the decompressed bytes of an IDX file, gzip or not (decided by magic bytes)."""
    raw = Path(path).read_bytes()
    return gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw


def read_idx(path: str | Path) -> np.ndarray:
    """Read an IDX file (``.gz`` or plain) into a uint8 array; errors name the file."""
    try:
        return parse_idx(read_idx_bytes(path))
    except (ValueError, EOFError, gzip.BadGzipFile) as err:
        raise ValueError(f"{path}: {err}") from None


def idx_length(path: str | Path) -> int:
    """The first dimension of an IDX file (``.gz`` or plain), read from its header only: the
    number of images or labels, without decompressing the data."""
    path = Path(path)
    with open(path, "rb") as fh:
        gzipped = fh.read(2) == b"\x1f\x8b"
    with (gzip.open if gzipped else open)(path, "rb") as fh:
        head = fh.read(8)
    if len(head) < 8 or head[:2] != b"\x00\x00":
        raise ValueError(f"{path}: not an IDX file")
    return struct.unpack(">I", head[4:8])[0]
