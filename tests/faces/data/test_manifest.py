"""Manifest and summary tables: complete, sorted, byte-stable, readable back."""

from __future__ import annotations

import pytest

from digitface.faces.data.manifest import COLUMNS, FaceRecord, read_manifest, summarize, write_manifest, write_summary
from testkit.loopback import make_row


def records():
    def row(face_id, image_id, body=None):
        return make_row(f"http://h/{face_id}.jpg", body or bytes([face_id]), face_id, image_id=image_id)

    return [  # faces 4, 5, 6 share one body
        FaceRecord(row(5, 30, b"a"), "ok", "aa.jpg", "ok", "ann_example_30_5.png"),
        FaceRecord(row(4, 30, b"a"), "duplicate_of:5", "aa.jpg", "ok", "ann_example_30_4.png"),
        FaceRecord(row(6, 31, b"a"), "duplicate_of:5", "aa.jpg", "duplicate_of:5", ""),
        FaceRecord(row(1, 2), "http_404", "", "http_404", ""),
        FaceRecord(row(2, 10), "sha_mismatch", "", "sha_mismatch", ""),
        FaceRecord(row(3, 11), "ok", "bb.png", "bad_bbox", ""),
        FaceRecord(row(7, 40), "timeout", "", "timeout", ""),
        FaceRecord(row(8, 41), "http_404", "", "http_404", ""),
    ]


def test_manifest_is_sorted_complete_and_round_trips(tmp_path):
    recs = records()
    write_manifest(tmp_path / "a.tsv", recs)
    write_manifest(tmp_path / "b.tsv", list(reversed(recs)))
    data = (tmp_path / "a.tsv").read_bytes()
    assert data == (tmp_path / "b.tsv").read_bytes()
    lines = data.decode().splitlines()
    assert lines[0].split("\t") == COLUMNS and len(lines) == 1 + len(recs)
    assert [int(line.split("\t")[2]) for line in lines[1:]] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert read_manifest(tmp_path / "a.tsv") == sorted(recs, key=lambda r: (r.row.image_id, r.row.face_id))


def test_summary_counts(tmp_path):
    recs = records()
    assert summarize(recs) == {
        "listed": 8,
        "fetched": 5,
        "verified": 4,
        "cropped": 2,
        "images": 1,
        "duplicate": 1,
        "http_404": 2,
        "sha_mismatch": 1,
        "bad_bbox": 1,
        "timeout": 1,
    }
    other = [FaceRecord(make_row("http://h/z", b"z", 9, name="Bo Example"), "too_large", "", "too_large", "")]
    write_summary(tmp_path / "s.tsv", {"Bo Example": other, "Ann Example": recs})
    assert (tmp_path / "s.tsv").read_text().splitlines() == [
        "actor\tlisted\tfetched\tverified\tcropped\timages"
        "\tbad_bbox\tduplicate\thttp_404\tsha_mismatch\ttimeout\ttoo_large",
        "Ann Example\t8\t5\t4\t2\t1\t1\t1\t2\t1\t1\t0",
        "Bo Example\t1\t0\t0\t0\t0\t0\t0\t0\t0\t0\t1",
    ]


def test_the_data_summary_reads_every_batchs_manifest_and_refuses_strangers(tmp_path):
    from digitface.faces.data.manifest import summarize_manifests

    other = [FaceRecord(make_row("http://h/z", b"z", 9, name="Bo Example"), "too_large", "", "too_large", "")]
    write_manifest(tmp_path / "ann.tsv", records())
    write_manifest(tmp_path / "bo.tsv", other)
    summarize_manifests(
        [tmp_path / "ann.tsv", tmp_path / "bo.tsv"],
        ["Test Person", "Bo Example", "Cy Example"],
        tmp_path / "summary.tsv",
    )
    write_summary(tmp_path / "expected.tsv", {"Test Person": records(), "Bo Example": other, "Cy Example": []})
    assert (tmp_path / "summary.tsv").read_text() == (tmp_path / "expected.tsv").read_text()
    assert "Cy Example\t0\t0\t0\t0\t0\t0" in (tmp_path / "summary.tsv").read_text()  # listed nowhere: a line of 0s
    with pytest.raises(ValueError, match="'Bo Example', who is not configured"):
        summarize_manifests([tmp_path / "ann.tsv", tmp_path / "bo.tsv"], ["Test Person"], tmp_path / "s.tsv")
