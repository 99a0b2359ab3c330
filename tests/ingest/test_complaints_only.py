"""An inbox of complaint files only (a 人社 case-system delivery on its own) runs load → every model layer,
and the case metrics of indicator_area_month (indicators.md "Case indicators") come out filled."""

from __future__ import annotations

import shutil
from datetime import date

import polars as pl
import pytest

from pipelines.contracts import ENTITIES, entity_of_file
from pipelines.night_steps import build_layer, load_extracts, missing_sources, open_warehouse, resolve_as_of
from pipelines.settings import Settings
from pipelines.warehouse import LAYERS, frame
from tests.synth.delivered import canonical_frame, delivered_files


@pytest.fixture(scope="module")
def complaints_night(clean_world, tmp_path_factory):
    """The clean world's complaint files alone, through the nightly's load and model steps."""
    base = tmp_path_factory.mktemp("complaints_only")
    inbox = base / "inbox"
    files = [p for p in delivered_files(clean_world / "inbox") if entity_of_file(p.name) == "complaint"]
    for path in files:
        (inbox / path.parent.name).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, inbox / path.parent.name / path.name)
    settings = Settings()
    as_of = resolve_as_of(inbox, None)
    con = open_warehouse(base / "wh.duckdb", settings)
    report = load_extracts(con, inbox, settings, as_of)
    built = build_layer(con, settings, as_of, LAYERS)
    yield {"con": con, "report": report, "built": built, "as_of": as_of, "latest": files[-1]}
    con.close()


def test_only_complaints_are_loaded_and_every_model_is_built(complaints_night):
    report, con = complaints_night["report"], complaints_night["con"]
    assert report.entities == {"complaint"}
    assert all(f.status == "loaded" for f in report.files)
    assert set(missing_sources(con)) == set(ENTITIES) - {"complaint"}
    assert "indicator_area_month" in complaints_night["built"]
    assert "int_case_area_month" in complaints_night["built"]


def test_case_metrics_have_rows(complaints_night):
    rows = frame(
        complaints_night["con"],
        "select * from indicator_area_month where n_cases_received_ytd > 0 and case_closure_rate is not null",
    )
    assert rows.height > 0
    assert {"case_closure_rate", "open_cases", "open_cases_over_30d", "days_to_close"} <= set(rows.columns)


def test_city_case_metrics_of_the_last_month_match_the_latest_snapshot(complaints_night):
    """Truth table: the latest complaint snapshot (every case received by its date) gives the city's numbers."""
    as_of: date = complaints_night["as_of"]
    cases = canonical_frame(complaints_night["latest"])
    this_year = cases.filter(pl.col("received_date").str.starts_with(str(as_of.year)))
    closed = this_year.filter((pl.col("status").str.zfill(2) == "03") & pl.col("closed_date").is_not_null())
    open_cases = cases.filter(
        ~((pl.col("status").str.zfill(2) == "03") & pl.col("closed_date").is_not_null())
    )
    city = frame(
        complaints_night["con"],
        "select * from indicator_area_month where area_code = 'ALL' and month = ?",
        [f"{as_of:%Y-%m}"],
    ).row(0, named=True)
    assert city["n_cases_received_ytd"] == this_year.height > 0
    assert city["n_cases_closed_ytd"] == closed.height
    assert city["case_closure_rate"] == pytest.approx(closed.height / this_year.height)
    assert city["open_cases"] == open_cases.height
