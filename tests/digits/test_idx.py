import gzip

import numpy as np
import pytest

from digitface.digits.idx import parse_idx, read_idx
from testkit.digits import encode_idx


def test_roundtrip_plain_and_gzip(tmp_path):
    arr = np.random.default_rng(0).integers(0, 256, (5, 28, 28), dtype=np.uint8)
    raw = encode_idx(arr)
    assert raw[:4] == bytes([0, 0, 8, 3])
    (tmp_path / "plain").write_bytes(raw)
    (tmp_path / "packed.gz").write_bytes(gzip.compress(raw))
    for name in ("plain", "packed.gz"):
        np.testing.assert_array_equal(read_idx(tmp_path / name), arr)


@pytest.mark.parametrize(
    "raw, message",
    [
        (b"\x01\x00\x08\x01\x00\x00\x00\x01\x07", "magic"),
        (b"\x00\x00\x0d\x01\x00\x00\x00\x01\x07", "type code"),
        (b"\x00\x00\x08\x02\x00\x00", "header truncated"),
        (b"\x00\x00\x08\x01\x00\x00\x00\x03\x07", "needs 3"),
    ],
)
def test_malformed_idx_is_refused(raw, message):
    with pytest.raises(ValueError, match=message):
        parse_idx(raw)
