"""API payloads (sources.md "Delivery"): in .json files and one per line in .jsonl files, mixed with plain records,
under any payload array name; parent fields merged in, the record's own value wins; the ledger counts records."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from pipelines.contracts import load_contract, payload_arrays
from pipelines.identifiers import id_check_char, pii_hash
from pipelines.ingest import load_file
from pipelines.ingest.readers import read_any
from pipelines.settings import Settings
from pipelines.synth.generate import _payload_lines
from tests.ingest.conftest import fresh_warehouse
from tests.synth.delivered import canonical_frame, record_count

NIGHT = date(2025, 6, 30)


def an_id(n: int) -> str:
    body = f"35050319900101{n:03d}"
    return body + id_check_char(body)


def punch(n: int, time: str = "08:00:00", **extra) -> dict:
    return {"idCardNumber": an_id(n), "date": f"2025-06-30 {time}", "direction": "E", **extra}


def write_lines(path: Path, objects: list) -> Path:
    path.write_text("".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objects), encoding="utf-8")
    return path


def load(path: Path):
    con = fresh_warehouse()
    return con, load_file(con, path, NIGHT, Settings(), inbox=path.parent)


def test_the_payload_array_names_are_data_and_include_the_platform_names():
    names = payload_arrays()
    assert {"dataList", "detailList", "workerList"} <= set(names)
    for entity in ("attendance", "project_worker", "payroll"):
        assert set(load_contract(entity).payload_arrays) <= set(names)


@pytest.mark.parametrize("array", ["dataList", "detailList", "workerList"])
@pytest.mark.parametrize("suffix", [".json", ".jsonl"])
def test_each_array_name_is_unpacked_in_json_and_jsonl(tmp_path, array, suffix):
    payload = {"projectCode": "P1", "punchDay": "2025-06-30", array: [punch(1), punch(2, projectCode="P2")]}
    path = tmp_path / f"attendance_0630{suffix}"
    if suffix == ".json":
        path.write_text(json.dumps(payload), encoding="utf-8")
    else:
        write_lines(path, [payload])
    rows = read_any(path)
    assert rows.frame.height == 2
    assert rows.frame["projectCode"].to_list() == ["P1", "P2"]  # the record's own value wins
    assert rows.frame["punchDay"].to_list() == ["2025-06-30"] * 2
    assert array not in rows.frame.columns
    assert rows.items == [f"{array}第1条", f"{array}第2条"]


def test_a_jsonl_file_mixing_payloads_and_plain_records_loads_every_record(tmp_path):
    path = write_lines(
        tmp_path / "attendance_0630.jsonl",
        [
            {"projectCode": "P1", "punchDay": "2025-06-30", "dataList": [punch(1), punch(2), punch(3)]},
            {"projectCode": "P2", **punch(4)},  # a plain record
            {"projectCode": "P1", "punchDay": "2025-06-30", "dataList": []},  # an empty payload
            {"projectCode": "P3", "dataList": [punch(5), punch(6, projectCode="P9")]},
        ],
    )
    con, result = load(path)
    assert (result.status, result.rows_read, result.rows_loaded) == ("loaded", 6, 6)
    assert result.conserved
    rows = con.execute(
        "select project_code, _line, _extra from raw_attendance order by _line, date"
    ).fetchall()
    assert [(p, line) for p, line, _ in rows] == [
        ("P1", 1),
        ("P1", 1),
        ("P1", 1),
        ("P2", 2),
        ("P3", 4),
        ("P9", 4),
    ]
    assert json.loads(rows[0][2]) == {"punchDay": "2025-06-30"}  # the unknown parent field, kept in _extra
    ids = {r[0] for r in con.execute("select id_card_number_hash from raw_attendance").fetchall()}
    assert ids == {pii_hash(an_id(n), Settings().pii_key, "id") for n in range(1, 7)}
    assert con.execute("select rows_read, rows_loaded from load_file").fetchone() == (6, 6)


def test_a_bad_record_inside_a_payload_is_quarantined_alone_with_its_line_and_place(tmp_path):
    path = write_lines(
        tmp_path / "attendance_0630.jsonl",
        [
            {"projectCode": "P1", "dataList": [punch(1), punch(2, direction="X"), punch(3)]},
            "not a record",
            {"projectCode": "P2", "dataList": [punch(4), 7]},
        ],
    )
    con, result = load(path)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (6, 3, 3)
    assert result.conserved
    quarantined = con.execute(
        "select line, column_name, reason_code, reason from quarantine order by line, reason_code"
    ).fetchall()
    assert [q[:3] for q in quarantined] == [
        (1, "direction", "unknown_code"),
        (2, None, "broken_line"),
        (3, None, "broken_line"),
    ]
    assert "第1行dataList第2条" in quarantined[0][3]
    assert "dataList第2条不是JSON对象" in quarantined[2][3]
    loaded = con.execute("select project_code, _line from raw_attendance order by all").fetchall()
    assert loaded == [("P1", 1), ("P1", 1), ("P2", 3)]


def test_roster_and_payroll_payloads_take_their_parent_fields(tmp_path):
    roster = write_lines(
        tmp_path / "project_worker_0630.jsonl",
        [
            {"projectCode": "P1", "workerList": [{"idCardNumber": an_id(1)}, {"idCardNumber": an_id(2)}]},
            {"projectCode": "P2", "idCardNumber": an_id(3)},
        ],
    )
    con, result = load(roster)
    assert (result.rows_read, result.rows_loaded) == (3, 3)
    assert con.execute("select project_code from raw_project_worker order by 1").fetchall() == [
        ("P1",),
        ("P1",),
        ("P2",),
    ]
    payroll = tmp_path / "payroll_0630.json"
    detail = {"idCardNumber": an_id(1), "isBackPay": "0", "balanceDate": "2025-06-15", "totalPayAmount": 5000}
    payroll.write_text(
        json.dumps(
            [
                {"projectCode": "P1", "payMonth": "2025-05", "detailList": [detail]},
                {
                    "projectCode": "P1",
                    "payMonth": "2025-06",
                    "detailList": [detail, {**detail, "payMonth": "2025-04"}],
                },
            ]
        ),
        encoding="utf-8",
    )
    con, result = load(payroll)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (3, 3, 0)
    assert con.execute("select pay_month, _line from raw_payroll order by 2").fetchall() == [
        ("2025-05", 1),
        ("2025-06", 2),
        ("2025-04", 3),  # the record's own month wins over its payload's
    ]


@pytest.mark.parametrize("entity", ["attendance", "project_worker", "payroll"])
def test_the_generator_writes_payload_lines_the_reader_reads_back(tmp_path, entity):
    contract = load_contract(entity)
    camel = {c.name: c.camel for c in contract.columns}
    records = [
        {
            camel["project_code"]: f"P{n % 3}",
            camel["id_card_number"]: an_id(n),
            **({camel["date"]: f"2025-06-{10 + n % 3} 08:00:00"} if entity == "attendance" else {}),
            **({camel["pay_month"]: f"2025-0{4 + n % 2}"} if entity == "payroll" else {}),
        }
        for n in range(12)
    ]
    lines, n_payloads = _payload_lines(records, entity, camel)
    objs = [json.loads(line) for line in lines]
    array = {"attendance": "dataList", "project_worker": "workerList", "payroll": "detailList"}[entity]
    payloads = [o for o in objs if array in o]
    assert len(payloads) == n_payloads >= 1
    assert len(payloads) < len(objs)  # plain record lines mixed in
    assert all(
        camel["project_code"] not in r for p in payloads for r in p[array]
    )  # the parent's field outside
    path = write_lines(tmp_path / f"{entity}_0630.jsonl", objs)
    back = read_any(path).frame.drop("_line", "punchDay", strict=False)
    expected = pl.DataFrame(records).select(back.columns)
    assert back.sort(back.columns).equals(expected.sort(back.columns))
    assert record_count(path) == len(records)


def test_the_faulty_worlds_payload_line_files_load_every_record(faulty_load, manifest, faulty_world):
    files = [f for f in manifest["faults"] if f["kind"] == "payload_lines"]
    assert {f["entity"] for f in files} >= {"attendance", "project_worker"}
    con = faulty_load.con
    for f in files:
        path = faulty_world / "inbox" / f["file"]
        lines = path.read_text(encoding="utf-8").splitlines()
        assert any("dataList" in line or "workerList" in line for line in lines)
        file_id, read, loaded, dup, quarantined = con.execute(
            "select file_id, rows_read, rows_loaded, rows_duplicate, rows_quarantined from load_file where path = ?",
            [f["file"]],
        ).fetchone()
        assert read == record_count(path) == canonical_frame(path).height > len(lines), f
        assert read == loaded + dup + quarantined
        assert quarantined == 0, f  # every record's key arrived (from its payload)
        nulls = con.execute(
            f"select count(*) from raw_{f['entity']} where _file_id = ? and project_code is null", [file_id]
        ).fetchone()[0]
        assert nulls == 0


def test_a_json_file_of_plain_records_or_one_payload_object(tmp_path):
    plain = tmp_path / "attendance_0630.json"
    plain.write_text(json.dumps([{"projectCode": "P1", **punch(n)} for n in range(3)]), encoding="utf-8")
    con, result = load(plain)
    assert (result.rows_read, result.rows_loaded) == (3, 3)
    assert con.execute("select _line from raw_attendance order by 1").fetchall() == [(1,), (2,), (3,)]
    single = tmp_path / "attendance_0701.json"
    single.write_text(json.dumps({"projectCode": "P1", "dataList": [punch(n) for n in range(4)]}))
    con, result = load(single)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (4, 4, 0)


@pytest.mark.parametrize(
    "wrap",
    [
        lambda p: {"code": 0, "msg": "成功", "data": p},
        lambda p: {"success": True, "result": {"data": p}},
    ],
    ids=["data", "result.data"],
)
def test_a_payload_inside_a_gateways_response_wrapper_is_unpacked(tmp_path, wrap):
    """{"code": 0, "msg": "成功", "data": {"records": [...], "total": 2}}: the records are the payload's, with the
    payload's own fields merged in; the wrapper's code and msg are not fields of the records."""
    payload = {"projectCode": "P1", "records": [punch(1), punch(2, projectCode="P2")], "total": 2}
    path = tmp_path / "attendance_0630.json"
    path.write_text(json.dumps(wrap(payload), ensure_ascii=False), encoding="utf-8")
    rows = read_any(path)
    assert rows.frame[
        "project_code" if "project_code" in rows.frame.columns else "projectCode"
    ].to_list() == [
        "P1",
        "P2",
    ]
    assert "code" not in rows.frame.columns
    assert "msg" not in rows.frame.columns
    assert rows.items[-1].endswith("records第2条")
    con, result = load(path)
    assert (result.status, result.rows_loaded, result.rows_quarantined) == ("loaded", 2, 0)
    con.close()


def test_a_record_with_a_field_named_data_is_still_a_record(tmp_path):
    """A wrapper's name on a plain record's own object field does not make that field the record."""
    path = tmp_path / "attendance_0630.jsonl"
    write_lines(path, [punch(1, data={"device": "A1"})])
    rows = read_any(path)
    assert rows.frame.height == 1
    assert rows.items is None
