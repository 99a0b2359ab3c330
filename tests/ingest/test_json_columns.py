"""JSON records become text columns a column at a time (readers._records_frame): the same text per value as before."""

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
