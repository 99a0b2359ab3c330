"""No look-ahead: features at as_of are the same whether or not the warehouse holds later rows."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import polars as pl
from polars.testing import assert_frame_equal

from pipelines.features import labels, project_features, training_frame
from pipelines.features.extract import arrears_events
from tests.features.given_world import tiny_world, tiny_world_rows
from tests.given import given_warehouse

AS_OF = date(2025, 5, 31)

# every column that dates a row; a row dated after as_of (or delivered after it) is deleted
DATE_COLUMNS = ("date", "txn_time", "balance_date", "received_date", "event_date", "_extract_date")


def _dated_after(row: dict[str, Any], as_of: date) -> bool:
    for col in DATE_COLUMNS:
        v = row.get(col)
        if isinstance(v, datetime):
            v = v.date()
        if v is not None and v > as_of:
            return True
    return "month" in row and row["month"] > as_of.strftime("%Y-%m")


def test_truncating_the_future_changes_no_feature():
    full = project_features(tiny_world(), AS_OF)
    truncated_rows = {
        e: [r for r in rows if not _dated_after(r, AS_OF)] for e, rows in tiny_world_rows().items()
    }
    assert sum(map(len, truncated_rows.values())) < sum(map(len, tiny_world_rows().values()))
    truncated = project_features(given_warehouse(truncated_rows, as_of=AS_OF, build=False), AS_OF)
    assert full.height == 2
    assert_frame_equal(full, truncated)


def test_stacked_snapshots_equal_single_snapshots():
    con = tiny_world()
    stacked = training_frame(con, [date(2025, 3, 31), AS_OF])
    single = project_features(con, AS_OF)
    assert_frame_equal(stacked.filter(pl.col("as_of") == AS_OF).select(single.columns), single)


def test_a_row_delivered_after_as_of_is_not_known():
    rows = tiny_world_rows()
    # P2's April shortfall re-delivered as paid in full, but only in a July extract: unknown at the end of May
    rows["payroll"] += [
        {
            **r,
            "is_back_pay": True,
            "balance_date": date(2025, 5, 20),
            "actual_amount": 3000.0,
            "_extract_date": date(2025, 7, 6),
        }
        for r in rows["payroll"]
        if r["project_code"] == "P2" and r["pay_month"] == "2025-04"
    ]
    con = given_warehouse(rows, as_of=AS_OF, build=False)
    p2 = project_features(con, AS_OF).filter(pl.col("project_code") == "P2").row(0, named=True)
    assert p2["last_shortfall_share"] == 0.5
    assert p2["n_late_pay_months_6m"] == 1


def test_features_read_the_signals_of_the_failing_project():
    f = {r["project_code"]: r for r in project_features(tiny_world(), AS_OF).iter_rows(named=True)}
    assert f["P1"]["labor_inflow_gap_3m"] == 0.0
    assert round(f["P2"]["labor_inflow_gap_3m"], 3) == 0.667  # one of three months' 人工费 arrived
    assert round(f["P2"]["owner_pay_rate_3m"], 3) == 0.533
    assert round(f["P2"]["owner_pay_rate_all_projects_1m"], 3) == 0.3  # May alone: the owner pays 30 %
    assert f["P2"]["n_credit_events_2y"] == 1
    assert f["P2"]["rules_signal_score"] > f["P1"]["rules_signal_score"]


def test_an_owner_that_stops_paying_shows_on_all_its_projects_the_same_month():
    rows = tiny_world_rows()
    for r in rows["project"]:  # P1 and P2 get the same owner; only P2's owner payments fell (April on)
        r["build_corp_code"] = "B2"
    features = project_features(given_warehouse(rows, as_of=AS_OF, build=False), AS_OF)
    f = {r["project_code"]: r for r in features.iter_rows(named=True)}
    assert f["P1"]["owner_pay_rate_1m"] == 1.0
    assert round(f["P1"]["owner_pay_rate_all_projects_1m"], 3) == 0.65  # (500k + 150k) / 1,000k in May
    assert f["P1"]["owner_pay_rate_all_projects_1m"] == f["P2"]["owner_pay_rate_all_projects_1m"]


def test_labels_mark_shortfalls_and_verified_complaints_in_the_horizon():
    con = tiny_world()
    # April's shortfall falls due 2025-05-31 (end of M+1), May's on 2025-06-30; the complaint arrives 2025-07-20
    assert labels(con, date(2025, 4, 30), horizon_days=60).rows() == [("P1", 0), ("P2", 1)]
    assert labels(con, date(2025, 6, 30), horizon_days=15).rows() == [("P1", 0), ("P2", 0)]
    assert labels(con, date(2025, 6, 30), horizon_days=30).rows() == [("P1", 0), ("P2", 1)]


def test_back_pay_within_the_makegood_window_is_not_an_event():
    rows = tiny_world_rows()
    rows["payroll"] += [
        {
            **r,
            "is_back_pay": True,
            "balance_date": date(2025, 6, 20),
            "actual_amount": 3000.0,
            "_extract_date": date(2025, 6, 22),
        }
        for r in rows["payroll"]
        if r["project_code"] == "P2" and r["pay_month"] == "2025-04"
    ]
    con = given_warehouse(rows, as_of=AS_OF, build=False)
    assert labels(con, date(2025, 4, 30), horizon_days=45).rows() == [("P1", 0), ("P2", 0)]
    assert labels(con, date(2025, 4, 30), horizon_days=45, makegood_days=10).rows() == [("P1", 0), ("P2", 1)]


def test_a_pay_month_paid_to_within_one_yuan_is_no_event_whatever_the_sum_s_last_bits():
    """A shortfall is paid < due − 1 元 (feat_arrears_event). Four lines due 2878.6 + 2584.0 + 4286.6 + 5449.1 =
    15198.3 元 sum to 15198.300000000001 as doubles in every order (one by one or in pairs), and a back payment of
    15197.3 元 then fell short by 1e-12 元 of "due − 1": an arrears event — a training label — from rounding noise.
    Summed to the fen (docs/decisions.md "Money sums to the fen"), the month is paid to within 1 元: no event."""
    from tests.sql.rules.test_owed import AS_OF as OWED_AS_OF
    from tests.sql.rules.test_owed import line, owed_in

    rows = owed_in([2878.6, 2584.0, 4286.6, 5449.1])
    rows["payroll"].append(line("f0", "2025-06", 0, 15197.3, date(2025, 7, 10), project="F", back=True))
    con = given_warehouse(rows, as_of=OWED_AS_OF, build=False)
    assert arrears_events(con).filter(pl.col("project_code") == "F").height == 0
    rows["payroll"][-1]["actual_amount"] = 15197.29  # one fen more short: the event is there
    con = given_warehouse(rows, as_of=OWED_AS_OF, build=False)
    assert arrears_events(con).filter(pl.col("project_code") == "F")["kind"].to_list() == ["shortfall"]
