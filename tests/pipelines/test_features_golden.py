"""Golden values: the risk score's training frame and tonight's features on the tiny world, pinned.

The features layer (pipelines/sql/features) replaced hand-made temp tables (issue 20); these files were written by
the code before that move, and every later change to a feature, a rule or the generator that moves a value shows
here. After a deliberate change: `WAGEWATCH_UPDATE_GOLDEN=1 pytest tests/pipelines/test_features_golden.py`, and
say in the commit why the values moved.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import polars as pl
import pytest

from pipelines.features.extract import arrears_events, month_ends, project_features, training_frame
from pipelines.warehouse import connect

GOLDEN = Path(__file__).parent / "golden"


def _text(df: pl.DataFrame) -> str:
    return df.with_columns(pl.col(pl.List(pl.Utf8)).list.join(",")).write_csv()


def _check(name: str, df: pl.DataFrame) -> None:
    path = GOLDEN / f"{name}.csv"
    if os.environ.get("WAGEWATCH_UPDATE_GOLDEN"):
        path.write_text(_text(df), encoding="utf-8")
    expected, actual = path.read_text(encoding="utf-8").splitlines(), _text(df).splitlines()
    assert actual[0] == expected[0], "columns differ"
    assert len(actual) == len(expected), f"{len(actual) - 1} rows, golden {len(expected) - 1}"
    differ = [i for i, (a, e) in enumerate(zip(actual, expected, strict=True)) if a != e]
    assert not differ, (
        f"{len(differ)} rows differ; first:\n  now:    {actual[differ[0]]}\n  golden: {expected[differ[0]]}"
    )


@pytest.fixture(scope="module")
def night(tiny_warehouse):
    con = connect(tiny_warehouse.path, read_only=True)  # the features are temporary tables: read-only works
    yield con, tiny_warehouse
    con.close()


def test_training_frame_is_unchanged(night):
    con, wh = night
    first = con.execute("select min(_extract_date) from raw_project").fetchone()[0]  # type: ignore[index]
    frame = training_frame(con, month_ends(first, wh.as_of), wh.settings)
    assert frame["as_of"].n_unique() > 1  # many snapshots
    assert frame["label"].sum() > 0  # both classes
    _check("training_frame", frame)


def test_tonights_features_read_tonights_rule_tables_and_are_unchanged(night):
    con, wh = night
    _check("tonights_features", project_features(con, wh.as_of, wh.settings, rules_built=True))


def test_arrears_events_are_unchanged(night):
    con, wh = night
    _check("arrears_events", arrears_events(con, wh.settings).sort("project_code", "event_date", "kind"))


def test_the_stored_person_days_serve_an_earlier_snapshot_and_only_a_fresh_build_is_read(night, monkeypatch):
    # fx_person_day reads the warehouse's int_person_day (kept by the nightly) when its build covers the snapshot
    # date; a build at a later as_of gives an earlier snapshot the same features as a build at that date
    from pipelines.features import extract
    from pipelines.incremental import holds_through
    from pipelines.warehouse import discover_models

    con, wh = night
    models = discover_models()
    assert holds_through(con, models, "int_person_day", wh.as_of)
    assert not holds_through(con, models, "int_person_day", wh.as_of + timedelta(days=1))
    first = con.execute("select min(_extract_date) from raw_project").fetchone()[0]  # type: ignore[index]
    earlier = month_ends(first, wh.as_of)[-2]
    read = project_features(con, earlier, wh.settings)
    built: list[str] = []
    monkeypatch.setattr(extract, "holds_through", lambda *_: built.append("int_person_day") or False)
    rebuilt = project_features(con, earlier, wh.settings)
    assert built  # the second time int_person_day was built at the snapshot date, as a temporary table
    assert read.height > 0
    assert read.equals(rebuilt)
    temp = con.execute(
        "select count(*) from duckdb_tables() where temporary and table_name = 'int_person_day'"
    )
    assert temp.fetchone()[0] == 0  # type: ignore[index]  # dropped: the warehouse's own is visible again
