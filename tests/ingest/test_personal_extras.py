"""Unknown columns may hold personal data (sources.md "Delivery"): values that look like an ID number, phone or bank
card — flat or inside nested objects — and every value under a personal field name are hashed and masked in `_extra`;
no clear value from the input is in any text column of any warehouse table."""

from __future__ import annotations

import json
from datetime import date

import pytest

from pipelines.identifiers import id_check_char, pii_hash
from pipelines.ingest import load_file, load_inbox
from pipelines.ingest.extras import ExtraProtector, personal_kind
from pipelines.ingest.readers import read_any
from pipelines.night_steps import build_layer, resolve_as_of
from pipelines.settings import Settings
from pipelines.synth.generate import PII_EXTRA_FLAT, PII_EXTRA_NAMED, PII_EXTRA_NESTED
from pipelines.warehouse import LAYERS
from tests.ingest.conftest import fresh_warehouse
from tests.ingest.test_personal_data import PersonalValues, clear_values_in

KEY = Settings().pii_key
ID18 = "35050319900101002" + id_check_char("35050319900101002")


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (ID18, "id"),
        ("35050319900101002x", "id"),  # the shape, not the check digit: a wrong ID number is still personal
        ("350503900101002", "id"),  # a 15-digit first-generation ID number
        ("13812345678", "phone"),
        ("+86 138-1234-5678", "phone"),
        ("6222 0212 3456 7890 123", "card"),
        ("６２２２０２１２３４５６７８９０", "card"),  # full-width digits
        ("2025-06-30", None),
        ("12345", None),
        ("P-350503-001", None),
    ],
)
def test_what_looks_like_personal_data(value, kind):
    assert personal_kind(value) == kind


def test_flat_nested_named_and_embedded_values_are_protected():
    p = ExtraProtector(KEY)
    out = p.field(
        "备注",
        {
            "who": {"idNo": "E12345678", "mobile": 13812345678, "relation": "本人"},
            "cards": ["6222021234567890123"],
            "note": f"身份证{ID18}已核验",
            "count": 3,
        },
    )
    assert out["who"]["idNo"] == {
        "hash": pii_hash("E12345678", KEY, "id"),
        "masked": "E1*****78",
        "kind": "id",
    }
    assert out["who"]["mobile"]["masked"] == "138****5678"
    assert out["who"]["relation"] == "本人"
    assert out["cards"][0]["kind"] == "card"
    assert out["note"] == "身份证350503********002" + ID18[-1] + "已核验"
    assert out["count"] == 3
    flat = p.field("backupId", f" {ID18} ")
    assert flat["hash"] == pii_hash(ID18, KEY, "id")  # joins with the known personal columns' hashes
    assert p.field("联系电话", "0591-1234567")["kind"] == "phone"  # by name, though no mobile number
    assert p.field("说明", "一切正常") == "一切正常"
    assert p.field("紧急联系人电话", "0591-1234567")["kind"] == "phone"  # a Chinese header holding 电话
    assert p.field("工人姓名", "王五")["masked"] == "王*"
    assert p.field("项目名称", "福州一中") == "福州一中"


def test_a_second_id_column_and_a_nested_object_in_a_delivered_file(tmp_path):
    path = tmp_path / "project_worker_0630.jsonl"
    record = {
        "projectCode": "P1",
        "idCardNumber": ID18,
        "证件号码": ID18,  # a second spelling of the key column: an unknown extra, protected by its name
        "身份证号": "ID-" + ID18,
        "oldId": "350503900101002",
        "emergency": {"name": "李四", "mobile": "13912345678"},
    }
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    con = fresh_warehouse()
    result = load_file(con, path, date(2025, 6, 30), Settings(), inbox=tmp_path)
    assert result.rows_loaded == 1
    extra = json.loads(con.execute("select _extra from raw_project_worker").fetchone()[0])
    assert set(extra) == {"证件号码", "身份证号", "oldId", "emergency"}
    assert (
        extra["证件号码"]["hash"]
        == con.execute("select id_card_number_hash from raw_project_worker").fetchone()[0]
    )
    assert extra["身份证号"]["kind"] == "id"
    assert extra["oldId"]["kind"] == "id"
    assert extra["emergency"]["name"]["masked"] == "李*"
    assert extra["emergency"]["mobile"]["masked"] == "139****5678"
    text = con.execute("select _extra from raw_project_worker").fetchone()[0]
    for clear in (ID18, "350503900101002", "李四", "13912345678"):
        assert clear not in text


def _clear_values_injected(faulty_world, manifest) -> PersonalValues:
    """The clear values the generator put in unknown columns (the flat ID, the named non-ID-looking form and its
    digits, and every scalar of the nested object that is personal by name or shape)."""
    found = PersonalValues()
    files = [f for f in manifest["faults"] if f["kind"] == "pii_extra_column"]
    assert {f["file"].rsplit(".", 1)[1] for f in files} == {"csv", "jsonl"}
    for f in files:
        frame = read_any(faulty_world / "inbox" / f["file"]).frame
        for v in frame[PII_EXTRA_FLAT].drop_nulls():
            found.by_kind["id"].add(v)
        for v in frame[PII_EXTRA_NAMED].drop_nulls():
            found.by_kind["name"].add(v)  # whole cell: must not be stored as is
            found.by_kind["id"].add(v.split("/", 1)[1])  # its digits, anywhere in a text
        for v in frame[PII_EXTRA_NESTED].drop_nulls():
            nested = json.loads(v)
            found.by_kind["id"].add(nested["idNo"])
            if nested["contact"]["mobile"]:
                found.by_kind["phone"].add(nested["contact"]["mobile"])
            found.by_kind["card"] |= set(nested["cards"])
    assert len(found.by_kind["id"]) >= 50
    return found


def test_no_clear_value_from_unknown_columns_anywhere_in_the_warehouse(faulty_world, manifest):
    injected = _clear_values_injected(faulty_world, manifest)
    con = fresh_warehouse()
    load_inbox(con, faulty_world / "inbox", Settings())
    build_layer(con, Settings(), resolve_as_of(faulty_world / "inbox", None), LAYERS)
    # the unknown columns are there, protected (the scan below reads the right place)
    protected = con.execute(
        "select count(*) from raw_project_worker where _extra like ? and _extra like ?",
        [f'%"{PII_EXTRA_NAMED}": {{"hash"%', '%"idNo": {"hash"%'],
    ).fetchone()[0]
    assert protected >= 20  # roster rows already loaded with the same content are duplicates
    assert clear_values_in(con, injected) == []
    con.close()


def test_a_personal_number_in_a_wrong_column_is_masked_in_the_quarantine(tmp_path):
    path = tmp_path / "payroll_0630.csv"
    path.write_text(
        "project_code,id_card_number,pay_month,is_back_pay,balance_date,days\n"
        f"P1,{ID18},2025-06,0,2025-06-30,13812345678\n",
        encoding="utf-8",
    )
    con = fresh_warehouse()
    load_file(con, path, date(2025, 6, 30), Settings(), inbox=tmp_path)
    assert con.execute("select column_name, value_masked from quarantine").fetchall() == [
        ("days", "138****5678")
    ]
