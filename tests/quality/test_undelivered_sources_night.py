"""The generated tiny world delivered without its wage-account, guarantee and deposit files, through the nightly's
load, model and quality steps and the dashboard: the sources are named as 数据未报送, their indicators are null
(not 0 %), and R04/R11/R12 (and the other rules that need them) fire on no project."""

from __future__ import annotations

import shutil

import pytest

from pipelines.contracts import entity_of_file
from pipelines.night_steps import build_layer, load_extracts, missing_sources, open_warehouse, resolve_as_of
from pipelines.quality import run_quality
from pipelines.reports.dashboard import DashboardInputs, write_dashboard
from pipelines.settings import Settings
from pipelines.warehouse import LAYERS, frame
from tests.synth.delivered import delivered_files

NOT_SENT = {"wage_account", "payment_guarantee", "wage_deposit"}


@pytest.fixture(scope="module")
def night(tiny_world, tmp_path_factory):
    base = tmp_path_factory.mktemp("undelivered")
    inbox = base / "inbox"
    for path in delivered_files(tiny_world / "inbox"):
        if entity_of_file(path.name) not in NOT_SENT:
            (inbox / path.parent.name).mkdir(parents=True, exist_ok=True)
            shutil.copy(path, inbox / path.parent.name / path.name)
    settings = Settings()
    as_of = resolve_as_of(inbox, None)
    con = open_warehouse(base / "wh.duckdb", settings)
    load_extracts(con, inbox, settings, as_of)
    build_layer(con, settings, as_of, LAYERS)
    quality = run_quality(base / "wh.duckdb", settings, as_of, base / "out", con=con)
    area_month = frame(con, "select * from indicator_area_month")
    inputs = DashboardInputs(
        area_month, None, frame(con, "select * from rule_firing where false"), quality.findings,
        frame(con, "select 'x' as code, 'x' as name_zh where false"), as_of, settings,
        missing_sources=missing_sources(con, as_of),
    )  # fmt: skip
    dashboard = write_dashboard(inputs, base / "out" / "看板.html", static_formats=())
    yield {"con": con, "as_of": as_of, "bulletin": quality.bulletin_path, "dashboard": dashboard}
    con.close()


def test_the_sources_not_sent_are_the_missing_ones(night):
    assert set(missing_sources(night["con"], night["as_of"])) == NOT_SENT


def test_their_indicators_are_null_and_their_rules_silent(night):
    con = night["con"]
    got = frame(
        con,
        """select count(*) as n_rows, count(account_open_rate) as n_account, count(guarantee_coverage) as n_guarantee,
                  count(deposit_coverage) as n_deposit, count(rn_update_rate) as n_rn
           from indicator_area_month where area_code = 'ALL'""",
    ).row(0, named=True)
    assert got["n_rows"] > 0
    assert (got["n_account"], got["n_guarantee"], got["n_deposit"]) == (0, 0, 0)
    assert got["n_rn"] == got["n_rows"]  # attendance was delivered: computed
    fired = set(frame(con, "select distinct rule_id from rule_firing")["rule_id"])
    assert fired  # other rules still speak
    assert fired.isdisjoint({"R01", "R02", "R04", "R11", "R12", "R15"})


def test_bulletin_and_dashboard_say_not_delivered(night):
    bulletin = night["bulletin"].read_text(encoding="utf-8")
    dashboard = night["dashboard"].read_text(encoding="utf-8")
    for page in (bulletin, dashboard):
        assert "数据未报送" in page
        assert "农民工工资专用账户" in page
        assert "工程款支付担保" in page
        assert "工资保证金" in page
