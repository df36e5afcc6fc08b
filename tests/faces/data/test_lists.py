"""FaceScrub list parsing: the shipped files, bad rows, slugs, speed; and the actor selection the
tests use (testkit.faces)."""

from __future__ import annotations

import hashlib
from collections import Counter

import pytest

from digitface.faces.data.lists import ListRow, parse_list, slugify
from testkit.faces import read_list, select_actors

SHA = hashlib.sha256(b"face").hexdigest()


def line(name="Ann Example", image_id="1", face_id="2", url="http://h/a.jpg", box="1,2,3,4", sha=SHA) -> bytes:
    return "\t".join([name, image_id, face_id, url, box, sha]).encode("utf-8")


def test_shipped_lists_parse_with_the_truncated_row_rejected(shared_facescrub_dir):
    actors, actor_rejects = read_list(shared_facescrub_dir / "facescrub_actors.txt")
    actresses, rejects = read_list(shared_facescrub_dir / "facescrub_actresses.txt")
    # Counts documented in the shared README.
    assert (len(actors), len(actresses)) == (1549, 1555)
    assert actor_rejects == []
    assert len(rejects) == 1
    bad = rejects[0]
    assert (bad.source, bad.line) == ("facescrub_actresses.txt", 1556)
    assert bad.reason == "expected 6 tab-separated fields, got 4"
    assert bad.text.startswith("Angie Harmon\t71307\t32555\thttp://www.sawfirst.com/")
    per_name = Counter(r.name for r in actors + actresses)
    assert per_name["Angie Harmon"] == 256 and per_name["Steve Carell"] == 290
    six = select_actors(
        actors + actresses,
        ["Lorraine Bracco", "Peri Gilpin", "Angie Harmon", "Alec Baldwin", "Bill Hader", "Steve Carell"],
    )
    assert len(six) == 1492 and len({r.sha256 for r in six}) == 1487
    first = actors[0]
    assert isinstance(first, ListRow) and first.line == 1 and first.source == "facescrub_actors.txt"
    assert len(first.bbox) == 4 and all(isinstance(v, int) for v in first.bbox)


def test_valid_row_fields():
    rows, rejects = parse_list(line(sha=SHA.upper(), box="-3,0,10,12") + b"\r\n", "x.txt")
    assert rejects == []
    assert rows == [ListRow("Ann Example", 1, 2, "http://h/a.jpg", (-3, 0, 10, 12), SHA, "x.txt", 1)]


@pytest.mark.parametrize(
    "raw, reason",
    [
        (b"Ann\t1\t2\thttp://h/a", "expected 6 tab-separated fields, got 4"),
        (line(name="../.."), "has no ASCII letter or digit"),
        (line(image_id="x1"), "are not integers"),
        (line(face_id="-2"), "are not integers"),
        (line(image_id="\u0663"), "are not integers"),  # an Arabic-Indic digit
        (line(image_id="9" * 5000), "are not integers"),
        (line(box="1,2,3," + "4" * 5000), "bbox"),
        (line(url=""), "url"),
        (line(box="1,2,3"), "bbox"),
        (line(box="1,2,3,4.5"), "bbox"),
        (line(sha=SHA[:-1]), "sha256"),
        (line(sha="../" + SHA[3:]), "sha256"),
        (b"\xff\xfe\t1", "not UTF-8"),
    ],
)
def test_bad_rows_are_rejects_with_reason(raw, reason):
    rows, rejects = parse_list(line(face_id="99") + b"\n\n" + raw + b"\n", "x")
    assert [r.face_id for r in rows] == [99]
    assert len(rejects) == 1 and rejects[0].line == 3 and reason in rejects[0].reason


def test_repeated_face_id_is_rejected():
    rows, rejects = parse_list(line() + b"\n" + line(image_id="5") + b"\n", "x")
    assert [r.image_id for r in rows] == [1]
    assert rejects[0].reason == "duplicate face_id 2 (line 1)"


@pytest.mark.parametrize(
    "name, slug",
    [
        ("Lorraine Bracco", "lorraine_bracco"),
        ("Zoë Saldaña", "zoe_saldana"),
        ("  Mary-Kate  O'Neil ", "mary-kate_o_neil"),
        ("../../etc/passwd", "etc_passwd"),
        ("a/b\\c..d", "a_b_c_d"),
        ("Ｆｕｌｌ width", "full_width"),
    ],
)
def test_slugify(name, slug):
    assert slugify(name) == slug


@pytest.mark.parametrize("name", ["", "..", "/", "李小龍", "---"])
def test_slugify_refuses_names_without_ascii(name):
    with pytest.raises(ValueError):
        slugify(name)


def test_select_actors_keeps_order_and_refuses_unknown_names():
    rows, _ = parse_list(
        b"\n".join([line("B B", face_id="1"), line("A A", face_id="2"), line("B B", face_id="3")]), "x"
    )
    assert [r.face_id for r in select_actors(rows, ["B B"])] == [1, 3]
    with pytest.raises(ValueError, match="C C"):
        select_actors(rows, ["B B", "C C"])


def test_facescrub_size_list_parses_in_one_pass(monkeypatch):
    """The full FaceScrub lists have ~107,000 rows. Counted, not timed (the time is a benchmark,
    benchmarks/bench_lists.py): valid rows never reach the slow explanation path, and the
    530 names are slugified once each, not once per row."""
    from digitface.faces.data import lists

    data = b"".join(
        line(
            f"Person Number{i % 530}",
            str(i),
            str(i),
            f"http://example.com/{i}.jpg",
            f"{i % 300},{i % 200},{i % 300 + 99},{i % 200 + 99}",
        )
        + b"\n"
        for i in range(107_000)
    )
    monkeypatch.setattr(lists, "_explain", lambda fields: pytest.fail("a valid row took the slow path"))
    lists.slugify.cache_clear()
    rows, rejects = parse_list(data, "big")
    assert len(rows) == 107_000 and rejects == []
    assert lists.slugify.cache_info().misses == 530


def _write_list(path, rows):
    path.write_bytes(b"".join(line(*r) + b"\n" for r in rows))
    return path


def test_a_face_id_given_twice_across_lists_is_recorded_not_shared(tmp_path):
    """Two lists give Ann face 7 (the crop file is named by it): the first keeps it, the other
    row is marked as a clash; within one list the parser already rejects a repeat. Each actor's
    rows survive the trip through their own file."""
    from digitface.faces.data.list_source import actors_rows, read_actor_rows, write_actor_rows

    first = _write_list(
        tmp_path / "a.txt",
        [("Ann Lee", "1", "7", "http://h/1.jpg", "1,1,9,9"), ("Ann Lee", "2", "8", "http://h/2.jpg", "1,1,9,9")],
    )
    second = _write_list(
        tmp_path / "b.txt",
        [("Ann Lee", "3", "7", "http://h/3.jpg", "1,1,9,9"), ("Ann Lee", "4", "9", "http://h/4.jpg", "1,1,9,9")],
    )
    third = _write_list(tmp_path / "c.txt", [("Bob Ray", "5", "7", "http://h/5.jpg", "1,1,9,9")])
    by_actor, rejects = actors_rows([first, second, third], ["Ann Lee", "Bob Ray"])
    assert rejects == []
    assert [(r.source, r.face_id, clash) for r, _, clash in by_actor["Ann Lee"]] == [
        ("a.txt", 7, False),
        ("a.txt", 8, False),
        ("b.txt", 7, True),
        ("b.txt", 9, False),
    ]
    # Bob's face 7 is Bob's: identity is per actor (crop files carry the actor's folder name).
    assert [(r.face_id, clash) for r, _, clash in by_actor["Bob Ray"]] == [(7, False)]
    write_actor_rows(tmp_path / "ann.tsv", by_actor["Ann Lee"])
    by_base, clashes = read_actor_rows(tmp_path / "ann.tsv")
    assert {base: [r.face_id for r in rows] for base, rows in by_base.items()} == {tmp_path: [7, 8, 9]}
    assert [(r.source, r.line, r.face_id) for r in clashes] == [("b.txt", 1, 7)]
    assert by_base[tmp_path][0] == next(r for r, _, _ in by_actor["Ann Lee"])  # every field survives


def test_names_that_share_a_folder_name_are_not_merged(tmp_path):
    """ "José García" and "Jose Garcia" slug alike: only the configured spelling is used, and the
    other spelling's rows are reported."""
    from digitface.faces.data.list_source import actors_rows

    path = _write_list(
        tmp_path / "l.txt",
        [
            ("Jose Garcia", "1", "1", "http://h/1.jpg", "1,1,9,9"),
            ("José García", "2", "2", "http://h/2.jpg", "1,1,9,9"),
            ("JOSE  GARCIA", "3", "3", "http://h/3.jpg", "1,1,9,9"),
        ],
    )
    by_actor, found = actors_rows([path], ["Jose Garcia"])
    assert [r.face_id for r, _, _ in by_actor["Jose Garcia"]] == [1]
    assert [(r.line, r.reason) for r in found] == [
        (2, "name 'José García' differs from the configured 'Jose Garcia' (same folder name): not used"),
        (3, "name 'JOSE  GARCIA' differs from the configured 'Jose Garcia' (same folder name): not used"),
    ]


def test_the_index_job_writes_each_actors_rows_and_refuses_an_actor_no_list_has(tmp_path):
    from digitface.atomic import read_tsv
    from digitface.faces.data.list_source import index_lists, read_actor_rows

    listed = _write_list(
        tmp_path / "l.txt",
        [
            ("Ann Lee", "1", "1", "http://h/1.jpg", "1,1,9,9"),
            ("Bob Ray", "2", "2", "http://h/2.jpg", "1,1,9,9"),
            ("Ann Lee", "3", "3", "http://h/3.jpg", "1,1,9"),
        ],
    )
    files = [tmp_path / "bob.tsv", tmp_path / "ann.tsv"]
    index_lists([listed], ["Bob Ray", "Ann Lee"], files, tmp_path / "rejects.tsv")
    assert [[r.face_id for rows in read_actor_rows(f)[0].values() for r in rows] for f in files] == [[2], [1]]
    rejects = read_tsv(tmp_path / "rejects.tsv")
    assert [(r["line"], "\t" in r["text"]) for r in rejects] == [("3", False)]  # tabs written as \t
    assert rejects[0]["text"].startswith("Ann Lee\\t3")
    with pytest.raises(SystemExit, match="not found in any list .*: Cy Dee, Dee Fox$"):
        index_lists([listed], ["Ann Lee", "Dee Fox", "Cy Dee"], files + [tmp_path / "x.tsv"], tmp_path / "r.tsv")
    assert not (tmp_path / "r.tsv").exists()
