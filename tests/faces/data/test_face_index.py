import numpy as np
import pytest

from digitface.faces.data.face_index import IndexRow
from testkit.faces import index_rows
from digitface.faces.models.chunks import Chunk, chunk_plan


def test_the_configured_image_is_the_image_shown():
    from digitface.faces.data.face_index import IndexRow, choose_face

    rows = [
        IndexRow("a", 0, 10, 100, "s1", "a", 0, "test"),
        IndexRow("a", 0, 11, 101, "s2", "a", 1, "train"),
        IndexRow("a", 0, 12, 102, "s3", "a", 2, "train"),
        IndexRow("b", 1, 13, 103, "s4", "b", 0, "train"),
    ]
    assert choose_face(rows, "a", None).image_id == 101  # default: the first training face
    assert choose_face(rows, "a", 100).image_id == 100  # as configured, whatever its set
    with pytest.raises(ValueError, match=r"a has no cropped face with image_id 103 \(its image_ids: 100, 101, 102\)"):
        choose_face(rows, "a", 103)


def test_the_index_reads_back_as_written(tmp_path):
    from digitface.faces.data.face_index import COLUMNS, IndexRow, read_index, write_index

    rows = [
        IndexRow("a", 0, 10, 100, "s1", "a..b", 0, "test"),
        IndexRow("a", 0, 11, 100, "s1", "a..b", 1, "duplicate", "10"),
        IndexRow("b", 1, 12, 102, "s3", "a..b", 2, "conflict"),
    ]
    write_index(tmp_path / "split.tsv", rows)
    assert read_index(tmp_path / "split.tsv") == rows
    (tmp_path / "bad.tsv").write_text("actor\tface\n")
    with pytest.raises(ValueError) as err:
        read_index(tmp_path / "bad.tsv")
    assert f"bad.tsv: not a face index (expected header {COLUMNS})" in str(err.value)


def _records(people: dict[str, int]) -> list:
    """Download-and-crop records of ``people`` ({name: faces}), every one cropped, with ids
    that interleave the people (so a batch's manifest order mixes nothing up only by luck)."""
    from digitface.faces.data.lists import ListRow
    from digitface.faces.data.manifest import OK, FaceRecord

    records = []
    for p, (name, n) in enumerate(sorted(people.items())):
        for i in range(n):
            face = 10 * i + p
            row = ListRow(name, face, face, f"http://x/{face}", (0, 0, 4, 4), f"{face:064x}", "l.txt", face)
            records.append(FaceRecord(row, OK, f"{face:064x}.jpg", OK, f"{face}.png"))
    return records


def _crops(records) -> np.ndarray:
    """One distinct 2x2 crop per cropped record, in the manifest's (array) order."""
    from digitface.faces.data.dataset import cropped

    return np.array([np.full((2, 2, 3), r.row.face_id, np.uint8) for r in cropped(records)])


def test_batches_of_actors_index_and_serve_the_same_faces_as_one_array_per_actor():
    """actors_per_job changes where crops are stored, never a face's label, set or pixels."""
    from digitface.faces.data.batches import actor_batches
    from digitface.faces.data.face_index import build_index, crop_sets, gather_crops
    from digitface.faces.data.manifest import by_person
    from digitface.faces.data.split import SplitSettings

    people = {"Ann Bee": 9, "Cy Dee": 7, "Ed Fay": 8, "Gil Ho": 6, "Ida Jo": 5}
    slugs = {name: name.lower().replace(" ", "_") for name in people}
    everyone = _records(people)
    settings = SplitSettings(test_per_actor=2, validation_per_actor=2, min_train_per_actor=1, too_few="scale")
    indexes, served = [], []
    for per_job in (1, 2, 5):
        batches = actor_batches(list(slugs.values()), per_job)
        mine = {b: [r for r in everyone if slugs[r.row.name] in actors] for b, actors in batches.items()}
        crops = {b: _crops(records) for b, records in mine.items()}
        rows = build_index(mine, crops, settings, seed=3, actors=sorted(slugs.values()))
        assert {r.array for r in rows} == set(batches)
        indexes.append([(r.actor, r.label, r.face_id, r.set, r.duplicate_of) for r in rows])
        sets = crop_sets(rows, crops)
        served.append(
            {
                name: (subset.take(np.arange(len(labels)))[:, 0].tolist(), labels.tolist())
                for name, (subset, labels) in sets.items()
            }
        )
        # every index row points at its own face's pixels
        assert [int(p[0, 0, 0]) for p in gather_crops(rows, crops)] == [r.face_id for r in rows]
    assert indexes[0] == indexes[1] == indexes[2]
    assert served[0] == served[1] == served[2]
    assert by_person(everyone, people)["Gil Ho"] == [r for r in everyone if r.row.name == "Gil Ho"]


def test_an_actor_without_a_crop_keeps_its_label_and_strangers_are_refused():
    from digitface.faces.data.face_index import build_index
    from digitface.faces.data.split import SplitSettings

    records = _records({"Ann Bee": 4, "Ed Fay": 4})
    settings = SplitSettings(test_per_actor=1, validation_per_actor=1, min_train_per_actor=1)
    rows = build_index({"all": records}, {"all": _crops(records)}, settings, actors=["ann_bee", "cy_dee", "ed_fay"])
    assert {r.actor: r.label for r in rows} == {"ann_bee": 0, "ed_fay": 2}
    with pytest.raises(ValueError, match="not among the actors"):
        build_index({"all": records}, {"all": _crops(records)}, settings, actors=["ann_bee"])


def test_chunks_cut_a_batch_array_whatever_actors_share_it():
    from digitface.faces.data.batches import actor_batches, batch_name

    assert actor_batches(["c", "a", "b", "d", "e"], 2) == {"a..b": ["a", "b"], "c..d": ["c", "d"], "e": ["e"]}
    assert batch_name(["solo"]) == "solo"
    with pytest.raises(ValueError, match="positive"):
        actor_batches(["a"], 0)
    rows = [
        IndexRow(a, label, i, i, "s", "a..b", row, "train")
        for label, a in enumerate("ab")
        for i, row in enumerate(range(label, 9, 2))
    ]
    assert chunk_plan(rows, 4) == [Chunk("a..b", 0, 0, 4), Chunk("a..b", 1, 4, 8), Chunk("a..b", 2, 8, 9)]


def test_the_split_job_indexes_the_batches_files_and_counts_each_actors_sets(tmp_path):
    from digitface.faces.data.face_index import build_index, read_index, set_counts, split_job
    from digitface.faces.data.manifest import write_manifest
    from digitface.faces.data.split import SplitSettings

    everyone = _records({"Ann Bee": 6, "Cy Dee": 5, "Ed Fay": 4})
    batches = {
        "ann_bee": [r for r in everyone if r.row.name == "Ann Bee"],
        "cy_dee..ed_fay": [r for r in everyone if r.row.name != "Ann Bee"],
    }
    manifests, crops = [], []
    for batch, records in batches.items():
        manifests.append(tmp_path / f"{batch}.tsv")
        crops.append(tmp_path / f"{batch}_64.npy")
        write_manifest(manifests[-1], records)
        np.save(crops[-1], _crops(records))
    settings = {"test_per_actor": 1, "validation_per_actor": 1, "min_train_per_actor": 1, "too_few": "error", "seed": 4}
    actors = ["ann_bee", "cy_dee", "ed_fay"]
    rows = split_job(list(batches), manifests, crops, settings, actors, tmp_path / "split.tsv")
    assert read_index(tmp_path / "split.tsv") == rows
    expected = build_index(
        batches, {b: _crops(r) for b, r in batches.items()}, SplitSettings(1, 1, 1, "error"), seed=4, actors=actors
    )
    assert rows == expected and settings["seed"] == 4  # the job's settings are left as given
    counts = set_counts(rows)
    assert counts["ed_fay"] == {"test": 1, "train": 2, "validation": 1}
    assert set(counts) == set(actors)  # an actor without faces has no counts
