"""Fourth-round loading paths: JSON records become text columns a column at a time (readers._records_frame), the same
text per value as before; the trim guard of fused._trim."""

import json

from pipelines.ingest.readers import read_any


def test_mixed_columns_are_written_value_by_value_and_text_columns_pass_as_they_are(tmp_path):
    records = [
        {"a": "x", "b": 1, "c": 1.0, "d": True, "e": {"k": "中"}, "f": None},
        {"a": None, "b": "2", "c": 2.5, "d": False, "e": [1, 2], "g": "新"},
        {"a": "", "b": 1e16, "c": 3, "h": 0.1},
    ]
    path = tmp_path / "attendance_1231.json"
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    frame = read_any(path).frame
    assert frame.columns == ["a", "b", "c", "d", "e", "f", "g", "h", "_line"]  # first appearance order
    assert frame.rows() == [
        ("x", "1", "1", "1", '{"k": "中"}', None, None, None, 1),
        (None, "2", "2.5", "0", "[1, 2]", None, "新", None, 2),
        ("", "1e+16", "3", None, None, None, None, "0.1", 3),
    ]


def test_the_trim_guard_trims_exactly_what_strip_would():
    """fused._trim compares both ends as bytes with '!': every value whose first or last character is white space
    is trimmed, every other value is left as it is (multi-byte characters at either end included)."""
    import duckdb

    from pipelines.ingest import fused

    spaces = "".join(chr(c) for c in (32, 9, 10, 11, 12, 13))
    chars = "||".join(f"chr({ord(c)})" for c in spaces)
    values = [
        "",
        " ",
        "a",
        " a",
        "a ",
        "\ta\n",
        "中 ",
        " 中",
        "中",
        "!",
        "\x1f",
        "a\x1f",
        "é",
        "a\u3000",
        "\u3000a",
    ]
    con = duckdb.connect()
    con.execute("create table t (i integer, x varchar)")
    con.executemany("insert into t values (?, ?)", list(enumerate(values)))
    got = [r[0] for r in con.execute(f"select {fused._trim('x', chars)} from t order by i").fetchall()]
    assert got == [v.strip(spaces) for v in values]
