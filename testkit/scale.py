"""A FaceScrub-size list in FaceScrub's exact format (made-up rows) for scale checks.

FaceScrub has 530 identities and about 107,000 rows; the workflow's DAG must stay per actor,
so planning a run over such a list must take seconds. The rows are random but well formed.
"""

from __future__ import annotations

import numpy as np


def scale_list_names(identities: int = 530) -> list[str]:
    return [f"Scale Person {i:04d}" for i in range(identities)]


def scale_list_text(identities: int = 530, rows: int = 107_000, seed: int = 0) -> str:
    """Tab-separated, no header: name, image_id, face_id, url, "x1,y1,x2,y2", sha256."""
    rng = np.random.default_rng(seed)
    names = scale_list_names(identities)
    owner = np.sort(rng.integers(0, identities, rows))
    x1, y1 = rng.integers(0, 400, rows), rng.integers(0, 400, rows)
    side = rng.integers(40, 300, rows)
    digests = rng.integers(0, 256, (rows, 32), dtype=np.uint8)
    lines = [
        f"{names[o]}\t{i + 1}\t{i + 1}\thttp://img{i % 997}.example.invalid/{i}.jpg\t"
        f"{a},{b},{a + s},{b + s}\t{d.tobytes().hex()}"
        for i, (o, a, b, s, d) in enumerate(zip(owner, x1, y1, side, digests))
    ]
    return "\n".join(lines) + "\n"
