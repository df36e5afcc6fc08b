"""Per-actor train/validation/test split of face crops, after content deduplication.

Why deduplicate first: FaceScrub lists the same photograph under several URLs, so a naive
split can put one picture in train and a byte-identical copy in test, which inflates test
accuracy. Two images are *the same content* when their source files have the same sha256
or their crops have identical pixels; "sameness" is transitive (union-find), so chains of
copies form one group.

Policy, per duplicate group:

* Members of one actor collapse to ONE representative (the smallest face_id); the others
  get set ``duplicate`` and ``duplicate_of`` = the representative's face_id, so the table
  records every collapse.
* A group whose identical crop pixels are listed under two or more actors has contradictory
  labels: all its rows get set ``conflict`` and are used nowhere.
* A group spanning several actors with *different* crops (a group photo: same source file,
  different faces) keeps one representative per actor, and all of them go to ``train``:
  the held-out sets then never share a source file with anything else.

Sizes: ``test_per_actor`` (reference protocol: 20) and ``validation_per_actor`` (ours: 10,
used for every choice) unique images per actor are held out, the rest is train. An actor
with fewer than ``test + validation + min_train`` usable images is an error by default
(``too_few="error"``); ``too_few="scale"`` instead scales the held-out counts down in
proportion (each at least 1) and warns, so small samples still run but say so.

Determinism: each actor's images are shuffled by a generator seeded from (seed, actor), so
the split of one actor depends neither on input order nor on which other actors are present.
"""

from __future__ import annotations

import hashlib
import logging
import warnings
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

from digitface.digests import pixel_digest

log = logging.getLogger(__name__)

TRAIN, VALIDATION, TEST = "train", "validation", "test"
DUPLICATE, CONFLICT = "duplicate", "conflict"
SETS = (TRAIN, VALIDATION, TEST)


class SplitWarning(UserWarning):
    """An actor had too few images and its held-out counts were scaled down."""


@dataclass(frozen=True)
class SplitSettings:
    test_per_actor: int = 20
    validation_per_actor: int = 10
    min_train_per_actor: int = 10
    too_few: str = "error"  # "error" | "scale"


@dataclass(frozen=True)
class SplitRow:
    actor: str
    face_id: int  # what identifies one face of one list row (an image may hold two)
    sha256: str
    set: str
    duplicate_of: int | None = None  # the representative's face_id for set == "duplicate"


def _actor_seed(seed: int, actor: str) -> list[int]:
    """Seed material for one actor: stable across runs and Python hash randomisation."""
    return [int(seed), int.from_bytes(hashlib.sha256(actor.encode()).digest()[:8], "little")]


class _UnionFind:
    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int) -> None:
        a, b = self.find(i), self.find(j)
        if a != b:
            self.parent[max(a, b)] = min(a, b)


def _groups(sha256s: Sequence[str], pixels: Sequence[str] | None) -> list[int]:
    """Group id (smallest member index) of each image, joining same sha256 or same pixels."""
    uf = _UnionFind(len(sha256s))
    for keys in (sha256s, pixels):
        if keys is None:
            continue
        first: dict[str, int] = {}
        for i, key in enumerate(keys):
            if key in first:
                uf.union(first[key], i)
            else:
                first[key] = i
    return [uf.find(i) for i in range(len(sha256s))]


def held_out_counts(n_unique: int, actor: str, settings: SplitSettings) -> tuple[int, int]:
    """(test, validation) counts for an actor with ``n_unique`` splittable images."""
    test, val, train = settings.test_per_actor, settings.validation_per_actor, settings.min_train_per_actor
    needed = test + val + train
    if n_unique >= needed:
        return test, val
    what = (
        f"actor {actor!r} has {n_unique} unique images, fewer than the {needed} needed "
        f"({test} test + {val} validation + at least {train} train)"
    )
    if settings.too_few != "scale":
        raise ValueError(f"{what}; lower the per-actor sizes or set too_few='scale'")
    wanted = [n for n in (test, val) if n > 0]
    if n_unique < len(wanted) + 1:
        raise ValueError(f"{what}; too few even to scale down (need {len(wanted) + 1})")
    factor = n_unique / needed
    t = max(1, int(test * factor)) if test else 0
    v = max(1, int(val * factor)) if val else 0
    msg = f"{what}: scaled down to {t} test + {v} validation + {n_unique - t - v} train"
    log.warning(msg)
    warnings.warn(msg, SplitWarning, stacklevel=3)
    return t, v


def split_table(
    actors: Sequence[str],
    face_ids: Sequence[int],
    sha256s: Sequence[str],
    crops: np.ndarray | Sequence[np.ndarray] | None = None,
    settings: SplitSettings = SplitSettings(),
    seed: int = 0,
) -> list[SplitRow]:
    """One row per input image (same order): its set, after deduplication (module docstring).

    ``crops`` (N, S, S, 3) are only hashed, to find pixel-identical copies; without them only
    sha256 duplicates are found. (actor, face_id) must be unique.
    """
    keys = _checked_keys(actors, face_ids, sha256s, crops)
    pixels = [pixel_digest(c) for c in crops] if crops is not None else None
    sets: list[str | None] = [None] * len(keys)
    dup_of: list[int | None] = [None] * len(keys)
    units = _resolve_copies(keys, _groups(sha256s, pixels), pixels, sets, dup_of)
    for actor in sorted(set(actors)):
        _deal_actor(sorted(units.get(actor, []), key=lambda i: keys[i][1]), actor, settings, seed, sets)
    return [SplitRow(a, iid, s, st, d) for (a, iid), s, st, d in zip(keys, sha256s, sets, dup_of)]


def _checked_keys(actors, face_ids, sha256s, crops) -> list[tuple[str, int]]:
    """(actor, face_id) per image, refused if the columns differ in length or a key repeats."""
    n = len(actors)
    if not (len(face_ids) == len(sha256s) == n) or (crops is not None and len(crops) != n):
        raise ValueError("actors, face_ids, sha256s (and crops) must have the same length")
    keys = list(zip(actors, (int(i) for i in face_ids)))
    dup_keys = [k for k, c in Counter(keys).items() if c > 1]
    if dup_keys:
        raise ValueError(f"(actor, face_id) listed more than once: {dup_keys[:5]}")
    return keys


def _resolve_copies(
    keys: Sequence[tuple[str, int]], group: Sequence[int], pixels: Sequence[str] | None, sets: list, dup_of: list
) -> dict[str, list[int]]:
    """Within each group of copies: a CONFLICT if the same pixels carry two actors' names; else
    per actor the lowest face_id represents the copies (the rest are DUPLICATEs of it), and a
    representative shared with another actor is kept in TRAIN. Fills ``sets`` and ``dup_of``;
    returns {actor: representatives free to be dealt into sets}."""
    members: dict[int, list[int]] = defaultdict(list)
    for i, g in enumerate(group):
        members[g].append(i)
    units: dict[str, list[int]] = defaultdict(list)
    for idx in members.values():
        by_actor: dict[str, list[int]] = defaultdict(list)
        for i in idx:
            by_actor[keys[i][0]].append(i)
        if len(by_actor) > 1 and pixels is not None and _names_disagree(idx, keys, pixels):
            for i in idx:
                sets[i] = CONFLICT
            continue
        for actor, rows in by_actor.items():
            rows.sort(key=lambda i: keys[i][1])
            rep = rows[0]
            for i in rows[1:]:
                sets[i], dup_of[i] = DUPLICATE, keys[rep][1]
            if len(by_actor) > 1:
                sets[rep] = TRAIN  # shared with another actor: never held out
            else:
                units[actor].append(rep)
    return units


def _names_disagree(idx: Sequence[int], keys: Sequence[tuple[str, int]], pixels: Sequence[str]) -> bool:
    """Whether some pixels in the group are listed under more than one actor."""
    per_pixels: dict[str, set[str]] = defaultdict(set)
    for i in idx:
        per_pixels[pixels[i]].add(keys[i][0])
    return any(len(names) > 1 for names in per_pixels.values())


def _deal_actor(reps: Sequence[int], actor: str, settings: SplitSettings, seed: int, sets: list) -> None:
    """One actor's representatives (by face_id) dealt into test, validation and train by the
    actor's own seeded permutation (so adding an actor never moves another's faces)."""
    n_test, n_val = held_out_counts(len(reps), actor, settings)
    order = np.random.default_rng(_actor_seed(seed, actor)).permutation(len(reps))
    for pos, k in enumerate(order):
        sets[reps[k]] = TEST if pos < n_test else VALIDATION if pos < n_test + n_val else TRAIN


def split_counts(rows: Iterable[SplitRow]) -> dict[str, dict[str, int]]:
    """{actor: {set: count}} for every set name, zeros included (for reports)."""
    out: dict[str, dict[str, int]] = {}
    for r in rows:
        out.setdefault(r.actor, {s: 0 for s in (*SETS, DUPLICATE, CONFLICT)})[r.set] += 1
    return dict(sorted(out.items()))
