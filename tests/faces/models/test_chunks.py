"""AlexNet feature chunks: the cut, the jobs, the cache of one file per chunk, the job itself."""

import logging
import subprocess
import sys

import numpy as np
import pytest

from digitface.faces.data.face_index import IndexRow
from digitface.faces.models import chunks as ch
from digitface.faces.models.chunks import Chunk, chunk_plan, chunk_rows, feature_sets, job_plan
from testkit.faces import index_rows


def test_chunks_are_runs_of_one_actors_crop_array():
    plan = chunk_plan(index_rows({"a": 7, "b": 2, "c": 6}), chunk_size=3)
    assert plan == [
        Chunk("a", 0, 0, 3),
        Chunk("a", 1, 3, 6),
        Chunk("a", 2, 6, 7),
        Chunk("b", 0, 0, 2),
        Chunk("c", 0, 0, 3),
        Chunk("c", 1, 3, 6),
    ]
    assert chunk_rows(7, 2, 3) == range(6, 7)
    with pytest.raises(ValueError, match="no chunk 3: 7 crops make 3 chunks of 3"):
        chunk_rows(7, 3, 3)
    with pytest.raises(ValueError, match="positive"):
        chunk_plan(index_rows({"a": 3}), 0)


def test_chunks_do_not_depend_on_the_split_or_on_other_actors():
    rows = index_rows({"a": 8, "b": 6, "c": 5})
    resplit = [
        IndexRow(
            **{**r.__dict__, "set": {"train": "test", "test": "validation", "validation": "train"}.get(r.set, r.set)}
        )
        for r in rows
    ]
    assert chunk_plan(resplit, 4) == chunk_plan(rows, 4)
    fewer_b = chunk_plan(index_rows({"a": 8, "b": 3, "c": 5}), 4)
    assert [c for c in fewer_b if c.array != "b"] == [c for c in chunk_plan(rows, 4) if c.array != "b"]


def test_feature_sets_follow_the_index_and_catch_stale_chunks():
    rows = index_rows({"a": 5, "b": 4})
    plan = chunk_plan(rows, chunk_size=2)
    # Each feature row carries its face's id, as the chunk job would have computed it.
    by_place = {(r.array, r.array_row): r.face_id for r in rows}
    chunks = [np.array([[by_place[c.array, i]] for i in range(c.start, c.stop)], np.float32) for c in plan]
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


def test_jobs_take_consecutive_chunks_across_batches():
    plan = chunk_plan(index_rows({"a": 7, "b": 2, "c": 6}), chunk_size=3)
    jobs = job_plan(plan, 4)
    assert jobs == [plan[0:3], plan[3:6]]  # the second job spans b and c: no job is b's 2 crops alone
    assert [c for job in jobs for c in job] == plan
    # As even as they can be: 9 chunks at 4 a job are 3 jobs of 3, not 4, 4 and a fragment of 1.
    nine = chunk_plan(index_rows({"a": 27}), chunk_size=3)
    assert [len(job) for job in job_plan(nine, 4)] == [3, 3, 3]
    assert [len(job) for job in job_plan(nine, 2)] == [2, 2, 2, 2, 1]
    assert job_plan(plan, 100) == [plan]
    assert ch.from_params(ch.as_params(jobs[1])) == jobs[1]
    with pytest.raises(ValueError, match="positive"):
        job_plan(plan, 0)


def test_the_job_plan_is_read_again_only_when_the_index_changes(tmp_path):
    from digitface.faces.data.face_index import write_index

    index = tmp_path / "split.tsv"
    write_index(index, index_rows({"a": 7, "b": 2}))
    first = ch.extraction_jobs(index, 3, 2)
    assert ch.extraction_jobs(index, 3, 2) is first  # memoised
    write_index(index, index_rows({"a": 7, "b": 4}))
    assert ch.extraction_jobs(index, 3, 2) == job_plan(chunk_plan(index_rows({"a": 7, "b": 4}), 3), 2)


def _crops(n, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (n, 227, 227, 3), dtype=np.uint8)


def test_the_cache_holds_whole_unchanged_files_only(tmp_path):
    crops = _crops(3)
    digest = ch.crops_digest(crops)
    changed = crops.copy()
    changed[1, 5, 5, 0] ^= 1
    assert ch.crops_digest(changed) != digest and ch.crops_digest(crops[:2]) != digest
    assert ch.cached_file(tmp_path, digest, 3) is None
    path = tmp_path / f"{digest}.npy"
    np.save(path, np.ones((3, 4), np.float32))
    assert ch.cached_file(tmp_path, digest, 3) is None  # not sealed: a write may not have finished
    ch.seal(path)
    assert ch.cached_file(tmp_path, digest, 3) == path
    assert ch.cached_file(tmp_path, digest, 2) is None and not path.exists()  # wrong size: removed
    np.save(path, np.ones((3, 4), np.float32))
    ch.seal(path)
    with open(path, "r+b") as fh:  # damaged after it was sealed
        fh.seek(-4, 2)
        fh.write(b"\0\0\0\0")
    assert ch.cached_file(tmp_path, digest, 3) is None and not path.exists()


@pytest.fixture
def batch_arrays(tmp_path):
    arrays = {"a": _crops(5, 1), "b": _crops(2, 2)}
    paths = {}
    for name, array in arrays.items():
        paths[name] = tmp_path / f"{name}_227.npy"
        np.save(paths[name], array)
    return arrays, paths


SETTINGS = {"layer": "conv1", "seed": 0, "preprocess": "reference", "batch_size": 2, "dtype": "float32"}


def test_a_job_computes_its_chunks_once_and_a_changed_crop_only_its_chunk(tmp_path, batch_arrays, caplog):
    from digitface.faces.models.alexnet import extract_features
    from digitface.faces.models.alexnet_network import build_extractor
    from digitface.faces.models.extraction import extract_chunks

    arrays, paths = batch_arrays
    rows = [IndexRow(a, 0, i, i, "s", a, i, "train") for a, n in (("a", 5), ("b", 2)) for i in range(n)]
    job = job_plan(chunk_plan(rows, 3), 10)[0]  # a:0-2, a:3-4, b:0-1
    cache, part = tmp_path / "cache", tmp_path / "parts" / "part_000.tsv"
    first = extract_chunks(job, paths, cache, part, SETTINGS, "random", threads=1)
    assert (first["computed"], first["from_cache"], first["images_computed"]) == (3, 0, 7)
    found, files = ch.read_parts([part], cache)
    assert found == job
    model, _ = build_extractor("conv1", "random", seed=0)
    for chunk, file in zip(found, files):
        expected = extract_features(arrays[chunk.array][chunk.start : chunk.stop], model, device="cpu")
        np.testing.assert_allclose(file[:], expected, rtol=1e-5, atol=1e-5)
    written = {p.name: p.stat().st_mtime_ns for p in cache.glob("*.npy")}
    assert len(written) == 3

    arrays["a"][4, 0, 0, 0] ^= 1  # one crop of the second chunk changes
    np.save(paths["a"], arrays["a"])
    with caplog.at_level(logging.INFO):
        again = extract_chunks(job, paths, cache, part, SETTINGS, "random", threads=1)
    assert (again["computed"], again["from_cache"], again["images_computed"]) == (1, 2, 2)
    now = {p.name: p.stat().st_mtime_ns for p in cache.glob("*.npy")}
    assert {n: t for n, t in now.items() if n in written} == written  # nothing rewritten
    assert len(set(now) - set(written)) == 1
    assert "1 computed (2 images" in caplog.text


def test_a_job_whose_chunks_are_cached_imports_no_torch(tmp_path, batch_arrays):
    from digitface.faces.models.extraction import extract_chunks

    _, paths = batch_arrays
    job = [Chunk("a", 0, 0, 3), Chunk("b", 0, 0, 2)]
    extract_chunks(job, paths, tmp_path / "cache", tmp_path / "p0.tsv", SETTINGS, "random", threads=1)
    # The job as the rule calls it: its chunks and crop arrays as the rule's params give them.
    code = (
        "import sys; from digitface.faces.models.extraction import extraction_job; "
        "s = extraction_job([['a', 0, 0, 3], ['b', 0, 0, 2]], ['a', 'b'], "
        f"[{str(paths['a'])!r}, {str(paths['b'])!r}], {str(tmp_path / 'cache')!r}, "
        f"{str(tmp_path / 'p1.tsv')!r}, {SETTINGS!r}, 'random'); "
        "print(s['from_cache'], 'torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["2", "False"]
    assert (tmp_path / "p1.tsv").read_text() == (tmp_path / "p0.tsv").read_text()


def test_a_part_whose_file_disagrees_with_its_chunk_is_refused(tmp_path):
    digest = "ab" * 32
    np.save(tmp_path / f"{digest}.npy", np.zeros((2, 3), np.float32))
    ch.write_part(tmp_path / "part.tsv", [(Chunk("a", 0, 0, 3), digest)])
    with pytest.raises(ValueError, match="has 3 crops but .* has 2 feature rows"):
        ch.read_parts([tmp_path / "part.tsv"], tmp_path)
