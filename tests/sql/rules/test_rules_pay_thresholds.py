"""R03–R08 and R16 at their thresholds: each fires just past its threshold and not at it; windows are settings."""

from datetime import date, datetime, timedelta

import pytest

from pipelines.settings import Settings
from tests.given import given_warehouse, rows_of
from tests.sql.rules.given_rules import AS_OF, fired, levels, pay, projects, punches, rule_warehouse, worker

# ---------------------------------------------------------------- R03: pay month M due by the end of M+1
R03_AS_OF = date(2025, 8, 5)  # June is due by 31 July
R03_ROWS = {
    "project": projects("ONTIME", "LATE", "APRIL"),
    "attendance": punches("ONTIME", "o", date(2025, 6, 2), 3)
    + punches("LATE", "l", date(2025, 6, 2), 3)
    + punches("APRIL", "a", date(2025, 4, 2), 3),  # April: due 31 May, 66 days before as_of, never paid
    "payroll": [
        pay("ONTIME", "o", 3000, on=date(2025, 7, 31)),  # on the deadline day
        pay("LATE", "l", 3000, on=date(2025, 8, 1)),  # a day late
    ],
}


def test_r03_paid_on_the_deadline_day_is_on_time_a_day_later_is_not():
    got = fired(rule_warehouse(R03_ROWS, "R03", as_of=R03_AS_OF), "R03")
    assert set(got) == {"LATE", "APRIL"}
    # a month paid a day late is said to be paid late, and when; one never paid is said to be unpaid
    assert got["LATE"]["reason_zh"] == "2025-06（1人有考勤）2025-08-01逾期发放"
    assert got["APRIL"]["reason_zh"] == "2025-04（1人有考勤）至今未发放"


def test_r03_a_month_paid_late_in_part_says_workers_are_still_owed():
    # PART's June: two workers, one paid late in full, the other paid late 1,000 of 3,000 (owed the rest tonight);
    # MIXED: May paid late in full, June never paid — one line says both, month by month
    rows = {
        "project": projects("PART", "MIXED"),
        "attendance": punches("PART", "p1", date(2025, 6, 2), 3)
        + punches("PART", "p2", date(2025, 6, 2), 3)
        + punches("MIXED", "m", date(2025, 5, 2), 3)
        + punches("MIXED", "m", date(2025, 6, 2), 3),
        "payroll": [
            pay("PART", "p1", 3000, on=date(2025, 8, 2)),
            pay("PART", "p2", 1000, total=3000, on=date(2025, 8, 3)),
            pay("MIXED", "m", 3000, month="2025-05", on=date(2025, 7, 20)),
        ],
    }
    con = given_warehouse(rows, as_of=R03_AS_OF)  # every model: owed_worker_month is the line's own count
    got = fired(con, "R03")
    assert got["PART"]["reason_zh"] == "2025-06（2人有考勤）2025-08-02起逾期发放部分，仍有欠发"
    assert (
        got["MIXED"]["reason_zh"] == "2025-05（1人有考勤）2025-07-20逾期发放、2025-06（1人有考勤）至今未发放"
    )


@pytest.mark.parametrize(
    ("setting", "value", "expected"),
    [
        ("r03_lookback_days", 66, {"LATE"}),  # April's deadline is exactly 66 days back: outside
        ("r03_lookback_days", 67, {"LATE", "APRIL"}),
        ("r03_pay_deadline_months", 2, {"APRIL"}),  # June is due by 31 August: not late yet
    ],
)
def test_r03_deadline_and_lookback_are_settings(setting, value, expected):
    con = rule_warehouse(R03_ROWS, "R03", as_of=R03_AS_OF, settings=Settings(rules={setting: value}))
    assert set(fired(con, "R03")) == expected


# STOPPED paid March, then worked April and was never paid for it; PAIDLATE was paid for April after its deadline.
# With a 30-day lookback April's deadline (31 May) is long past: a month paid late is history, a month never paid
# while the project's pay lines started before it is still arrears, and APRIL (no pay line on record at all: maybe
# the platform's payroll starts later) is left to the lookback.
R03_AGED = {
    "project": projects("STOPPED", "PAIDLATE", "APRIL"),
    "attendance": punches("STOPPED", "s", date(2025, 3, 3), 3)
    + punches("STOPPED", "s", date(2025, 4, 2), 3)
    + punches("PAIDLATE", "p", date(2025, 4, 2), 3)
    + punches("APRIL", "a", date(2025, 4, 2), 3),
    "payroll": [
        pay("STOPPED", "s", 3000, month="2025-03", on=date(2025, 4, 10)),
        pay("PAIDLATE", "p", 3000, month="2025-04", on=date(2025, 6, 10)),
    ],
}


def test_r03_a_month_never_paid_does_not_age_out_but_one_paid_late_does():
    settings = Settings(rules={"r03_lookback_days": 30})
    con = given_warehouse(R03_AGED, as_of=R03_AS_OF, settings=settings)  # every model: the line's too
    got = fired(con, "R03")
    assert set(got) == {"STOPPED"}
    assert got["STOPPED"]["reason_zh"] == "2025-04（1人有考勤）至今未发放"
    # the line counts the same month as unpaid (one definition: unpaid_worked_month)
    owed = {r["project_code"]: r for r in rows_of(con, "select * from risk_wages_owed")}
    assert owed["STOPPED"]["unpaid_months"] == "2025-04"
    assert "APRIL" not in owed
    assert owed["PAIDLATE"]["unpaid_months"] is None  # on the line as paid late (R05's window), not as unpaid
    # paid since (after its deadline): April's wages are late, no longer unpaid
    paid_since = {
        **R03_AGED,
        "payroll": [*R03_AGED["payroll"], pay("STOPPED", "s", 3000, month="2025-04", on=date(2025, 8, 1))],
    }
    assert fired(rule_warehouse(paid_since, "R03", as_of=R03_AS_OF, settings=settings), "R03") == {}


# ---------------------------------------------------------------- R04: paid from a card that is not a wage account
R04_ROWS = {
    "project": projects("OWN", "EDGE", "IN"),
    "wage_account": [{"account_number": "ACC-OWN", "project_code": "OWN"}],
    "payroll": [
        pay("OWN", "o", 3000, card="ACC-OWN"),
        pay("EDGE", "e", 3000, card="6222", on=AS_OF - timedelta(days=92)),  # exactly 92 days back: outside
        pay("IN", "i", 3000, card="6222", on=AS_OF - timedelta(days=91)),
    ],
}


def test_r04_counts_outside_payments_of_the_lookback_only():
    got = fired(rule_warehouse(R04_ROWS, "R04"), "R04")
    assert set(got) == {"IN"}
    assert got["IN"]["reason_zh"] == "近92天有1笔工资（0.3万元）未通过本项目专用账户代发"


def test_r04_lookback_is_a_setting():
    con = rule_warehouse(R04_ROWS, "R04", settings=Settings(rules={"r04_lookback_days": 93}))
    assert set(fired(con, "R04")) == {"EDGE", "IN"}


# ---------------------------------------------------------------- R05: May is due 30 June, made good by 30 July
R05_ROWS = {
    "project": projects("GAP1", "SHORT", "MADEGOOD", "TOOLATE"),
    "payroll": [
        pay(
            "GAP1", "g", 4999.0, total=5000.0, month="2025-05", on=date(2025, 6, 10)
        ),  # 1 元 short: tolerated
        pay("SHORT", "s", 4998.99, total=5000.0, month="2025-05", on=date(2025, 6, 10)),
        pay("MADEGOOD", "m", 4000.0, total=5000.0, month="2025-05", on=date(2025, 6, 10)),
        pay("MADEGOOD", "m", 1000.0, total=0.0, month="2025-05", on=date(2025, 7, 30), back=True),  # last day
        pay("TOOLATE", "t", 4000.0, total=5000.0, month="2025-05", on=date(2025, 6, 10)),
        pay(
            "TOOLATE", "t", 1000.0, total=0.0, month="2025-05", on=date(2025, 7, 31), back=True
        ),  # a day late
    ],
}


def test_r05_shortfall_beyond_the_tolerance_not_made_good_in_time():
    got = fired(rule_warehouse(R05_ROWS, "R05"), "R05")
    assert set(got) == {"SHORT", "TOOLATE"}
    assert got["TOOLATE"]["evidence_value"] == pytest.approx(1000)


@pytest.mark.parametrize(
    ("setting", "value", "expected"),
    [
        ("owed_tolerance_yuan", 0.5, {"GAP1", "SHORT", "TOOLATE"}),
        ("r05_makegood_days", 31, {"SHORT"}),  # back pay on 31 July is in time; nothing judged before 31 July
        ("r05_makegood_days", 29, {"SHORT", "MADEGOOD", "TOOLATE"}),  # back pay on 30 July is a day late
    ],
)
def test_r05_tolerance_and_make_good_period_are_settings(setting, value, expected):
    con = rule_warehouse(R05_ROWS, "R05", settings=Settings(rules={setting: value}))
    assert set(fired(con, "R05")) == expected


# ---------------------------------------------------------------- R06: attendees of June without a pay line by 31 July
def crew(project_code: str, n_attended: int, n_paid: int) -> tuple[list[dict], list[dict]]:
    people = [f"{project_code}-{i}" for i in range(n_attended)]
    attendance = [p for person in people for p in punches(project_code, person, date(2025, 6, 2), 1)]
    return attendance, [pay(project_code, person, 3000) for person in people[:n_paid]]


R06_CREWS = {"ALL": crew("ALL", 10, 10), "TENTH": crew("TENTH", 10, 9), "FIFTH": crew("FIFTH", 10, 8)}
R06_ROWS = {
    "project": projects(*R06_CREWS),
    "attendance": [p for a, _ in R06_CREWS.values() for p in a],
    "payroll": [p for _, paid in R06_CREWS.values() for p in paid],
}


def test_r06_red_above_a_tenth_unpaid_yellow_at_it():
    assert levels(rule_warehouse(R06_ROWS, "R06"), "R06") == {"TENTH": "yellow", "FIFTH": "red"}


def test_r06_red_share_is_a_setting():
    con = rule_warehouse(R06_ROWS, "R06", settings=Settings(rules={"r06_red_unpaid_share": 0.25}))
    assert levels(con, "R06") == {"TENTH": "yellow", "FIFTH": "yellow"}


# ---------------------------------------------------------------- R07: full-timers' mean pay below the minimum wage
R07_ROWS = {
    "project": projects("AT", "BELOW", "PART"),
    "attendance": punches("AT", "a", date(2025, 6, 2), 20)
    + punches("BELOW", "b", date(2025, 6, 2), 20)
    + punches("PART", "p", date(2025, 6, 2), 19),
    "payroll": [pay("AT", "a", 1890.0), pay("BELOW", "b", 1889.99), pay("PART", "p", 100.0)],
}


def test_r07_mean_pay_at_the_minimum_wage_does_not_fire():
    assert set(fired(rule_warehouse(R07_ROWS, "R07"), "R07")) == {"BELOW"}


def test_r07_full_time_days_are_a_setting():
    con = rule_warehouse(R07_ROWS, "R07", settings=Settings(rules={"r07_min_attendance_days": 19}))
    assert set(fired(con, "R07")) == {"BELOW", "PART"}


# ---------------------------------------------------------------- R08: > 50,000 a month, > 300,000 in 12 pay months
MONTHS_13 = [f"2024-{m:02d}" for m in range(7, 13)] + [
    f"2025-{m:02d}" for m in range(1, 8)
]  # Jul 2024 … Jul 2025
R08_ROWS = {
    "project": projects("MAX", "OVER", "YEAR"),
    "payroll": [
        pay("MAX", "m", 50_000.0),
        pay("OVER", "o", 50_000.01),
        *[pay("YEAR", "y", 25_000.0, month=m) for m in MONTHS_13],  # 12 months in the window: 300,000 exactly
    ],
}


def test_r08_month_and_year_ceilings_fire_above_not_at():
    got = fired(rule_warehouse(R08_ROWS, "R08"), "R08")
    assert set(got) == {"OVER"}


def test_r08_year_window_is_a_setting():
    con = rule_warehouse(R08_ROWS, "R08", settings=Settings(rules={"r08_year_months": 13}))
    got = fired(con, "R08")
    assert set(got) == {"OVER", "YEAR"}
    assert got["YEAR"]["reason_zh"] == "1名工人近13个月实发超过30.0万元（最高32.5万元），疑似代领或套取工资款"


# ---------------------------------------------------------------- R16: leavers owed more than 1 元, 30 days after exit
def leaver(project_code: str, person: str, days_ago: int) -> dict:
    exit_day = AS_OF - timedelta(days=days_ago)
    return worker(project_code, person, exit_time=datetime(exit_day.year, exit_day.month, exit_day.day, 17))


R16_ROWS = {
    "project": projects("ONE", "MORE", "RECENT"),
    "project_worker": [leaver("ONE", "o", 30), leaver("MORE", "m", 30), leaver("RECENT", "r", 29)],
    "payroll": [
        pay("ONE", "o", 4999.0, total=5000.0, month="2025-05", on=date(2025, 6, 10)),  # owes 1 元
        pay("MORE", "m", 4998.99, total=5000.0, month="2025-05", on=date(2025, 6, 10)),  # owes 1.01 元
        pay("RECENT", "r", 0.0, total=5000.0, month="2025-05", on=date(2025, 6, 10)),  # left 29 days ago
    ],
}


def test_r16_owed_beyond_the_tolerance_after_the_settle_period():
    got = fired(rule_warehouse(R16_ROWS, "R16"), "R16")
    assert set(got) == {"MORE"}
    assert got["MORE"]["evidence_value"] == pytest.approx(1.01)


@pytest.mark.parametrize(
    ("setting", "value", "expected"),
    [("r16_settle_days", 29, {"MORE", "RECENT"}), ("owed_tolerance_yuan", 0.99, {"ONE", "MORE"})],
)
def test_r16_settle_period_and_tolerance_are_settings(setting, value, expected):
    con = rule_warehouse(R16_ROWS, "R16", settings=Settings(rules={setting: value}))
    assert set(fired(con, "R16")) == expected


# ---------------------------------------------------------------- money evidence in any row order
# Four amounts whose plain floating-point sum is 6011.3 in one order and 6011.300000000001 in another, and whose
# avg() is 1502.825 or 1502.8250000000003 (the order rows reach a sum depends on the delivery's row order and on
# DuckDB's threads): found by delivering a world's files with their rows shuffled, where R04's published evidence
# differed in the last bits. The second order moves R04's and R15's evidence on raw doubles, the third R07's.
ORDERS = ([1000.1, 2000.2, 3000.3, 10.7], [2000.2, 10.7, 3000.3, 1000.1], [3000.3, 2000.2, 10.7, 1000.1])


def pay_rows(order: list[float]) -> dict:
    people = [f"w{i}" for i in range(len(order))]
    return {
        "project": projects("P"),
        "wage_account": [{"account_number": "ACC-P", "project_code": "P", "open_date": date(2025, 1, 1)}],
        "account_txn": [
            {
                "txn_id": "t1",
                "account_number": "ACC-P",
                "txn_time": datetime(2025, 7, 20, 9),
                "balance": 2000.0,
            }
        ],
        "attendance": [r for p in people for r in punches("P", p, date(2025, 6, 2), 21)],
        # paid from a personal card (R04), below the minimum wage on average (R07), over the balance (R15)
        "payroll": [pay("P", p, amount, card="6222") for p, amount in zip(people, order, strict=True)],
    }


@pytest.mark.parametrize(
    ("rule_id", "evidence"), [("R04", 6011.3), ("R07", 6011.3 / 4), ("R15", 2000 / 6011.3)]
)
def test_money_evidence_is_the_same_whatever_order_the_rows_arrive_in(rule_id, evidence):
    """Re-running a night on the same facts delivered in another row order publishes the same evidence to the bit
    (docs/decisions.md "Money sums to the fen"). On sums and means taken over the raw doubles R04 and R15 fail on
    the second order; R07's avg() moves with DuckDB's threads as well: each order is built three times."""
    for order in ORDERS:
        for _ in range(3):
            got = fired(rule_warehouse(pay_rows(order), rule_id), rule_id)
            assert got["P"]["evidence_value"] == evidence, order
