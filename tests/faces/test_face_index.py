import numpy as np
import pytest

from digitface.faces.face_index import Chunk, IndexRow, chunk_plan, chunk_rows, feature_sets


def _rows(counts: dict[str, int], sets=("train", "validation", "test", "duplicate")) -> list[IndexRow]:
    """Index rows in the split's order: actors by label, each in crop-array order."""
    rows = []
    for label, (actor, n) in enumerate(sorted(counts.items())):
        for i in range(n):
            rows.append(IndexRow(actor, label, 1000 * label + i, i, f"{actor}{i:04x}", i,
                                 sets[i % len(sets)]))
    return rows


def test_chunks_are_runs_of_one_actors_crop_array():
    plan = chunk_plan(_rows({"a": 7, "b": 2, "c": 6}), chunk_size=3)
    assert plan == [Chunk("a", 0, 0, 3), Chunk("a", 1, 3, 6), Chunk("a", 2, 6, 7),
                    Chunk("b", 0, 0, 2), Chunk("c", 0, 0, 3), Chunk("c", 1, 3, 6)]
    assert chunk_rows(7, 2, 3) == range(6, 7)
    with pytest.raises(ValueError, match="no chunk 3: 7 crops make 3 chunks of 3"):
        chunk_rows(7, 3, 3)
    with pytest.raises(ValueError, match="positive"):
        chunk_plan(_rows({"a": 3}), 0)


def test_chunks_do_not_depend_on_the_split_or_on_other_actors():
    rows = _rows({"a": 8, "b": 6, "c": 5})
    resplit = [IndexRow(**{**r.__dict__, "set": {"train": "test", "test": "validation",
                                                 "validation": "train"}.get(r.set, r.set)})
               for r in rows]
    assert chunk_plan(resplit, 4) == chunk_plan(rows, 4)
    fewer_b = chunk_plan(_rows({"a": 8, "b": 3, "c": 5}), 4)
    assert [c for c in fewer_b if c.actor != "b"] == [c for c in chunk_plan(rows, 4) if c.actor != "b"]


def test_feature_sets_follow_the_index_and_catch_stale_chunks():
    rows = _rows({"a": 5, "b": 4})
    plan = chunk_plan(rows, chunk_size=2)
    # Each feature row carries its face's id, as the chunk job would have computed it.
    by_place = {(r.actor, r.array_row): r.face_id for r in rows}
    chunks = [np.array([[by_place[c.actor, i]] for i in range(c.start, c.stop)], np.float32)
              for c in plan]
    sets = feature_sets(rows, plan, chunks)
    for name in ("train", "validation", "test"):
        subset, labels = sets[name]
        expected = [r for r in rows if r.set == name]
        assert subset.take(np.arange(len(labels)))[:, 0].tolist() == [r.face_id for r in expected]
        assert labels.tolist() == [r.label for r in expected]
    assert sum(len(v[1]) for v in sets.values()) == sum(r.set != "duplicate" for r in rows)
    with pytest.raises(ValueError, match="stale"):
        feature_sets(rows, plan, chunks[:-1] + [chunks[-1][:0]])
    with pytest.raises(ValueError, match="planned chunks"):
        feature_sets(rows, plan, chunks[:-1])


def test_the_configured_image_is_the_image_shown():
    from digitface.faces.face_index import IndexRow, choose_face

    rows = [IndexRow("a", 0, 10, 100, "s1", 0, "test"), IndexRow("a", 0, 11, 101, "s2", 1, "train"),
            IndexRow("a", 0, 12, 102, "s3", 2, "train"), IndexRow("b", 1, 13, 103, "s4", 0, "train")]
    assert choose_face(rows, "a", None).image_id == 101  # default: the first training face
    assert choose_face(rows, "a", 100).image_id == 100  # as configured, whatever its set
    with pytest.raises(ValueError, match=r"a has no cropped face with image_id 103 \(its image_ids: 100, 101, 102\)"):
        choose_face(rows, "a", 103)


def test_the_index_reads_back_as_written(tmp_path):
    from digitface.faces.face_index import COLUMNS, IndexRow, read_index, write_index

    rows = [IndexRow("a", 0, 10, 100, "s1", 0, "test"), IndexRow("a", 0, 11, 100, "s1", 1, "duplicate", "10"),
            IndexRow("b", 1, 12, 102, "s3", 0, "conflict")]
    write_index(tmp_path / "split.tsv", rows)
    assert read_index(tmp_path / "split.tsv") == rows
    (tmp_path / "bad.tsv").write_text("actor\tface\n")
    with pytest.raises(ValueError) as err:
        read_index(tmp_path / "bad.tsv")
    assert f"bad.tsv: not a face index (expected header {COLUMNS})" in str(err.value)
