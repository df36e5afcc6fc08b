"""Per-actor split after deduplication: determinism, disjointness, duplicates, sizes, policy."""

from __future__ import annotations

import hashlib
from collections import defaultdict

import numpy as np
import pytest

from digitface.faces.data import split as sp
from testkit.faces import set_indices

SMALL = sp.SplitSettings(test_per_actor=5, validation_per_actor=3, min_train_per_actor=2)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def make_keys(per_actor=(20, 15, 12), seed=0):
    """Unique images: distinct sha256 and distinct random crops."""
    rng = np.random.default_rng(seed)
    actors, ids, shas = [], [], []
    for a, n in enumerate(per_actor):
        for i in range(n):
            actors.append(f"actor_{a}")
            ids.append(100 + i)
            shas.append(_sha(f"{a}-{i}"))
    crops = rng.integers(0, 256, (len(actors), 4, 4, 3), dtype=np.uint8)
    return actors, ids, shas, crops


def by_key(rows):
    return {(r.actor, r.face_id): r for r in rows}


def test_deterministic_for_a_seed_and_changes_with_it():
    keys = make_keys()
    a = sp.split_table(*keys, settings=SMALL, seed=7)
    b = sp.split_table(*keys, settings=SMALL, seed=7)
    c = sp.split_table(*keys, settings=SMALL, seed=8)
    assert a == b
    assert [r.set for r in a] != [r.set for r in c]


def test_counts_per_actor_and_every_image_in_exactly_one_set():
    actors, ids, shas, crops = make_keys()
    rows = sp.split_table(actors, ids, shas, crops, settings=SMALL, seed=1)
    assert [(r.actor, r.face_id, r.sha256) for r in rows] == list(zip(actors, ids, shas))
    counts = sp.split_counts(rows)
    for actor, n in zip(("actor_0", "actor_1", "actor_2"), (20, 15, 12)):
        assert counts[actor] == {"train": n - 8, "validation": 3, "test": 5, "duplicate": 0, "conflict": 0}
    idx = {s: set(set_indices(rows, s).tolist()) for s in sp.SETS}
    assert not (idx["train"] & idx["validation"]) and not (idx["train"] & idx["test"])
    assert not (idx["validation"] & idx["test"])
    assert set().union(*idx.values()) == set(range(len(rows)))


def test_independent_of_input_order_and_of_other_actors():
    actors, ids, shas, crops = make_keys()
    rows = by_key(sp.split_table(actors, ids, shas, crops, settings=SMALL, seed=3))
    perm = np.random.default_rng(0).permutation(len(actors))
    shuffled = sp.split_table(
        [actors[i] for i in perm], [ids[i] for i in perm], [shas[i] for i in perm], crops[perm], settings=SMALL, seed=3
    )
    assert by_key(shuffled) == rows
    only0 = [i for i, a in enumerate(actors) if a == "actor_0"]
    alone = sp.split_table(
        [actors[i] for i in only0],
        [ids[i] for i in only0],
        [shas[i] for i in only0],
        crops[only0],
        settings=SMALL,
        seed=3,
    )
    assert all(rows[(r.actor, r.face_id)] == r for r in alone)


def _with_duplicates():
    actors, ids, shas, crops = make_keys(per_actor=(20, 20))
    crops = crops.copy()
    # actor_0: 101 is a byte-identical copy of 100 (same sha256, same crop)
    shas[1], crops[1] = shas[0], crops[0]
    # actor_0: 103 re-encoded copy of 102 (different sha256, identical crop pixels)
    crops[3] = crops[2]
    # actor_0: chain 104 -(sha)- 105 -(pixels)- 106: one group although 104 and 106 share nothing
    shas[5] = shas[4]
    crops[6] = crops[5]
    # group photo: actor_0's 107 and actor_1's 110 share the source file but are different faces
    shas[20 + 10] = shas[7]
    # the same crop listed under both actors: contradictory labels
    crops[20 + 11], shas[20 + 11] = crops[8], shas[8]
    return actors, ids, shas, crops


def test_duplicates_collapse_and_never_cross_sets():
    actors, ids, shas, crops = _with_duplicates()
    rows = sp.split_table(actors, ids, shas, crops, settings=SMALL, seed=0)
    k = by_key(rows)
    assert (k["actor_0", 101].set, k["actor_0", 101].duplicate_of) == ("duplicate", 100)
    assert (k["actor_0", 103].set, k["actor_0", 103].duplicate_of) == ("duplicate", 102)
    assert [(k["actor_0", i].set, k["actor_0", i].duplicate_of) for i in (105, 106)] == [("duplicate", 104)] * 2
    for rep in (100, 102, 104):
        assert k["actor_0", rep].set in sp.SETS and k["actor_0", rep].duplicate_of is None
    assert k["actor_0", 107].set == "train" and k["actor_1", 110].set == "train"
    assert k["actor_0", 108].set == "conflict" and k["actor_1", 111].set == "conflict"

    # no content (sha256 or pixels) in two of train/validation/test
    where = defaultdict(set)
    for r, crop in zip(rows, crops):
        if r.set in sp.SETS:
            where["sha", r.sha256].add(r.set)
            where["px", crop.tobytes()].add(r.set)
    assert all(len(s) == 1 for s in where.values())
    # held-out counts are counts of unique images
    counts = sp.split_counts(rows)
    assert counts["actor_0"] == {"train": 20 - 4 - 1 - 8, "validation": 3, "test": 5, "duplicate": 4, "conflict": 1}
    assert counts["actor_1"]["test"] == 5 and counts["actor_1"]["conflict"] == 1


def test_without_crops_only_sha256_duplicates_are_found():
    actors, ids, shas, crops = _with_duplicates()
    k = by_key(sp.split_table(actors, ids, shas, None, settings=SMALL, seed=0))
    assert k["actor_0", 101].set == "duplicate"
    assert k["actor_0", 103].set in sp.SETS  # pixel copy not detectable without pixels


def test_too_few_images_is_an_error_naming_the_actor():
    keys = make_keys(per_actor=(20, 9))
    with pytest.raises(ValueError, match=r"actor_1.*9 unique images.*10 needed"):
        sp.split_table(*keys, settings=SMALL)


def test_too_few_scales_down_with_a_warning():
    keys = make_keys(per_actor=(20, 5))
    settings = sp.SplitSettings(test_per_actor=5, validation_per_actor=3, min_train_per_actor=2, too_few="scale")
    with pytest.warns(sp.SplitWarning, match="actor_1"):
        counts = sp.split_counts(sp.split_table(*keys, settings=settings))
    assert counts["actor_0"]["test"] == 5
    # 5 of the 10 needed: half of 5 test (2) and of 3 validation (1), the rest train
    assert (counts["actor_1"]["test"], counts["actor_1"]["validation"], counts["actor_1"]["train"]) == (2, 1, 2)
    with pytest.raises(ValueError, match="too few even to scale"):
        sp.split_table(*make_keys(per_actor=(20, 2)), settings=settings)


def test_repeated_key_is_rejected():
    actors, ids, shas, crops = make_keys(per_actor=(5,))
    ids[1] = ids[0]
    with pytest.raises(ValueError, match="more than once"):
        sp.split_table(actors, ids, shas, crops, settings=sp.SplitSettings(1, 1, 1))
