"""No personal value delivered in the inbox (ID number, phone, bank card, person's name) is kept in clear:
not in any warehouse table or column after load and every model, not in the log, not on the console."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field

import duckdb
import pytest

from pipelines.ingest import load_inbox
from pipelines.ingest.readers import UnreadableFileError
from pipelines.night_steps import build_layer, resolve_as_of
from pipelines.settings import Settings
from pipelines.warehouse import LAYERS
from tests.ingest.conftest import fresh_warehouse
from tests.synth.delivered import canonical_frame, contract_of, delivered_files

_DIGIT_RUN = re.compile(r"[0-9Xx]{11,}")


@dataclass
class PersonalValues:
    """Clear personal values by kind, and a matcher for them inside longer text."""

    by_kind: dict[str, set[str]] = field(
        default_factory=lambda: {k: set() for k in ("id", "phone", "card", "name")}
    )

    @property
    def numbers(self) -> set[str]:
        return {v.upper() for k in ("id", "phone", "card") for v in self.by_kind[k]}

    def exact(self, value: str) -> bool:
        return value.strip().upper() in self.numbers or value.strip() in self.by_kind["name"]

    def inside(self, text: str) -> list[str]:
        """Personal numbers appearing anywhere in the text (e.g. inside JSON or a sentence)."""
        lengths = {len(v) for v in self.numbers}
        found = []
        for run in (r.upper() for r in _DIGIT_RUN.findall(text)):
            for n in lengths:
                found += [run[i : i + n] for i in range(len(run) - n + 1) if run[i : i + n] in self.numbers]
        return found

    def names_inside(self, text: str) -> list[str]:
        return [name for name in self.by_kind["name"] if name in text]


def personal_values(*inboxes) -> PersonalValues:
    """Every value of a personal-data column in the inboxes' readable files. Names also delivered in an open column
    (the owner's firm name as a transfer's counterparty, also project.build_corp_name) are public, not personal."""
    found, public = PersonalValues(), set()
    for inbox in inboxes:
        for path in delivered_files(inbox):
            try:
                frame = canonical_frame(path)
            except UnreadableFileError:
                continue
            for col in contract_of(path).columns:
                if col.name not in frame.columns:
                    continue
                values = {v for v in frame[col.name].drop_nulls().to_list() if v.strip()}
                if col.pii:
                    found.by_kind[col.pii] |= values
                elif col.type == "str":
                    public |= values
    found.by_kind["name"] -= public
    return found


def clear_values_in(con: duckdb.DuckDBPyConnection, pii: PersonalValues) -> list[tuple[str, str, str]]:
    """(table, column, value) of every VARCHAR cell holding a personal value, whole or inside its text."""
    columns = con.execute(
        "select table_name, column_name from information_schema.columns "
        "where data_type = 'VARCHAR' and table_catalog = current_database() and table_schema = 'main'"
    ).fetchall()
    assert columns
    con.execute("create or replace temp table _personal (value varchar)")
    con.executemany("insert into _personal values (?)", [[v] for v in pii.numbers | pii.by_kind["name"]])
    hits = []
    for table, column in columns:
        whole = con.execute(
            f'select distinct t."{column}" from main."{table}" t join _personal p on upper(trim(t."{column}")) = p.value'
        ).fetchall()
        hits += [(table, column, v) for (v,) in whole]
        if column.endswith("_hash"):  # hex or decimal digests: a clear value can be equal to one, not inside
            continue
        long_digits = con.execute(
            f'select distinct "{column}" from main."{table}" where regexp_matches("{column}", \'[0-9Xx]{{11,}}\')'
        ).fetchall()
        hits += [(table, column, v) for (v,) in long_digits if pii.inside(v) and not pii.exact(v)]
    con.execute("drop table _personal")
    return hits


@pytest.fixture(scope="module")
def pii(clean_world, faulty_world) -> PersonalValues:
    values = personal_values(clean_world / "inbox", faulty_world / "inbox")
    for kind, minimum in {"id": 100, "phone": 100, "card": 100, "name": 50}.items():
        assert len(values.by_kind[kind]) >= minimum, kind
    return values


def test_the_scan_finds_a_clear_value_when_there_is_one(pii):
    """Guards the tests below: a table holding a clear value, whole or in a sentence, is caught."""
    con = duckdb.connect()
    an_id, a_phone, a_name = (sorted(pii.by_kind[k])[0] for k in ("id", "phone", "name"))
    con.execute("create table leak (note varchar, who varchar)")
    con.execute(
        "insert into leak values (?, ?), (?, null)", [f"证件号码{an_id}有误", a_name, f"tel:{a_phone}"]
    )
    assert {(c, v) for _, c, v in clear_values_in(con, pii)} == {
        ("note", f"证件号码{an_id}有误"),
        ("who", a_name),
        ("note", f"tel:{a_phone}"),
    }


def test_no_clear_personal_value_in_the_warehouse_logs_or_console(faulty_world, pii, caplog, capsys):
    caplog.set_level(logging.DEBUG)
    con = fresh_warehouse()
    report = load_inbox(con, faulty_world / "inbox", Settings(), progress=print)
    build_layer(con, Settings(), resolve_as_of(faulty_world / "inbox", None), LAYERS)
    assert report.rows_loaded > 0
    assert any(f.status == "failed" for f in report.files)
    # the personal columns are there, as hashes and masks
    masked = con.execute(
        "select worker_name_masked, cell_phone_masked from raw_project_worker limit 1"
    ).fetchone()
    assert all(masked)
    assert all("*" in m for m in masked)

    assert clear_values_in(con, pii) == []
    captured = capsys.readouterr()
    said = "\n".join(
        [caplog.text, captured.out, captured.err, json.dumps(report.summary_dict(), ensure_ascii=False)]
    )
    assert "failed" in caplog.text  # the unreadable files were logged: the log is really captured
    assert pii.inside(said) == []
    assert pii.names_inside(said) == []
