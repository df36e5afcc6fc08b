import numpy as np
import pytest

from digitface.faces.face_index import Chunk, IndexRow, chunk_plan, feature_sets, used


def _rows(counts: dict[str, int], sets=("train", "validation", "test", "duplicate")) -> list[IndexRow]:
    """Index rows in the split's order: actors by label, each in array order."""
    rows = []
    for label, (actor, n) in enumerate(sorted(counts.items())):
        for i in range(n):
            rows.append(IndexRow(actor, label, 1000 * label + i, i, f"{actor}{i:04x}", i,
                                 sets[i % len(sets)]))
    return rows


def test_chunks_hold_one_actors_used_faces_in_array_order():
    rows = _rows({"a": 9, "b": 2, "c": 5})
    plan = chunk_plan(rows, chunk_size=3)
    assert [(c.actor, c.part, len(c.rows)) for c in plan] == [
        ("a", 0, 3), ("a", 1, 3), ("a", 2, 1), ("b", 0, 2), ("c", 0, 3), ("c", 1, 1)]
    assert all(r.set != "duplicate" for c in plan for r in c.rows)
    # Concatenated, the chunks are exactly the used faces, so feature rows line up with them.
    assert [r for c in plan for r in c.rows] == used(rows)
    assert plan[1].array_rows == [4, 5, 6]  # row 3 of actor a is a duplicate
    assert plan[2].array_rows == [8]  # and so is row 7


def test_a_change_in_one_actor_leaves_the_other_actors_chunks_alone():
    before = chunk_plan(_rows({"a": 9, "b": 7, "c": 5}), chunk_size=2)
    after = chunk_plan(_rows({"a": 9, "b": 4, "c": 5}), chunk_size=2)
    unchanged = {(c.actor, c.part, tuple(c.array_rows)) for c in before} & {
        (c.actor, c.part, tuple(c.array_rows)) for c in after}
    assert {a for a, *_ in unchanged} == {"a", "b", "c"}
    assert {(c.actor, c.part) for c in after if c.actor != "b"} <= {(a, p) for a, p, _ in unchanged}


def test_new_sets_do_not_change_any_chunk():
    rows = _rows({"a": 8, "b": 6})
    reshuffled = [IndexRow(**{**r.__dict__, "set": {"train": "test", "test": "validation",
                                                    "validation": "train"}.get(r.set, r.set)})
                  for r in rows]
    key = [(c.actor, c.part, c.array_rows) for c in chunk_plan(rows, 4)]
    assert [(c.actor, c.part, c.array_rows) for c in chunk_plan(reshuffled, 4)] == key


def test_bad_chunk_size_is_refused():
    with pytest.raises(ValueError, match="positive"):
        chunk_plan(_rows({"a": 3}), 0)


def test_feature_sets_follow_the_plan_and_catch_stale_chunks():
    rows = _rows({"a": 5, "b": 4})
    plan = chunk_plan(rows, chunk_size=2)
    # Each feature row carries its face's id, so the sets can be checked face by face.
    chunks = [np.array([[r.face_id] for r in c.rows], dtype=np.float32) for c in plan]
    sets = feature_sets(plan, chunks)
    for name in ("train", "validation", "test"):
        subset, labels = sets[name]
        expected = [r for r in used(rows) if r.set == name]
        assert subset.take(np.arange(len(labels)))[:, 0].tolist() == [r.face_id for r in expected]
        assert labels.tolist() == [r.label for r in expected]
    with pytest.raises(ValueError, match="stale"):
        feature_sets(plan, chunks[:-1] + [chunks[-1][:0]])
    with pytest.raises(ValueError, match="planned chunks"):
        feature_sets(plan, chunks[:-1])
    assert isinstance(plan[0], Chunk)
