"""Simulated inspectors: returns drawn from the world's truth, some late, some never, only up to the delivery date."""

from datetime import date, timedelta

import polars as pl

from pipelines.settings import Settings
from pipelines.synth.inspectors import simulate_returns
from pipelines.warnings.assemble import assemble_warnings
from pipelines.warnings.disposition import check_returns, ledger_lines

NIGHT = date(2025, 7, 31)


def night(n=200):
    codes = [f"P{i:03d}" for i in range(n)]
    projects = pl.DataFrame(
        {
            "project_code": codes,
            "name": codes,
            "area_code": "350503",
            "contractor_corp_code": "C",
            "contractor_corp_name": "某建设集团",
            "build_corp_code": "B",
            "build_corp_name": "某置业公司",
        }
    )
    scores = pl.DataFrame(
        {
            "project_code": codes,
            "score": [0.9 - i / 400 for i in range(n)],
            "factors_zh": "x",
            "score_source": "model",
        }
    )
    firings = pl.DataFrame(
        schema={"project_code": pl.Utf8, "rule_id": pl.Utf8, "level": pl.Utf8, "reason_zh": pl.Utf8}
    )
    settings = Settings()
    settings.triage.list_capacity = {"350503": 60}
    return assemble_warnings(firings, scores, projects, None, settings, NIGHT)


def test_returns_follow_the_truth_and_pass_the_ledger_checks():
    lines = night()
    events = pl.DataFrame(
        {
            "project_code": [f"P{i:03d}" for i in range(0, 60, 2)],
            "event_date": [NIGHT + timedelta(days=1)] * 30,
        }
    )
    returns = simulate_returns(lines, events, NIGHT + timedelta(days=30), seed=3)
    assert 0.6 * 60 < returns.height < 60  # most lines come back, some never
    late = (returns["inspect_date"] - returns["warning_date"]).dt.total_days() > 15
    assert late.any()
    assert not late.all()
    with_event = returns.filter(pl.col("project_code").is_in(events["project_code"].to_list()))
    assert set(with_event["outcome"]) <= {"01", "04"}
    assert (with_event.filter(pl.col("outcome") == "01")["arrears_amount"] > 0).all()
    assert (
        "01" not in returns.filter(~pl.col("project_code").is_in(events["project_code"].to_list()))["outcome"]
    )
    valid, rejected = check_returns(returns, ledger_lines(lines))
    assert rejected.height == 0
    assert valid.height == returns.height
    # the same seed gives the same returns; nothing dated after the delivery
    assert returns.equals(simulate_returns(lines, events, NIGHT + timedelta(days=30), seed=3))
    early = simulate_returns(lines, events, NIGHT + timedelta(days=5), seed=3)
    assert early.height < returns.height
    assert (early["inspect_date"] <= NIGHT + timedelta(days=5)).all()
