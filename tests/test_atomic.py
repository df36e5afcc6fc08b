from digitface.atomic import read_tsv, write_tsv


def test_tables_read_back_as_written(tmp_path):
    path = tmp_path / "out" / "table.tsv"
    path.parent.mkdir()
    write_tsv(path, ["name", "value", "note"], [["a", 1, "92.67% ± 0.5"], ["b", 2.5, ""]])
    assert read_tsv(path) == [{"name": "a", "value": "1", "note": "92.67% ± 0.5"},
                              {"name": "b", "value": "2.5", "note": ""}]
    assert [p.name for p in path.parent.iterdir()] == ["table.tsv"]  # no temporary file left
