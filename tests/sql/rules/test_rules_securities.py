"""R11 guarantee, R12 deposit, R13 firm credit, R14 complaints: at their thresholds (evaluation month 2025-07)."""

from datetime import date

import pytest

from pipelines.settings import Settings
from tests.sql.rules.given_rules import fired, levels, projects, rule_warehouse

JULY_END = date(2025, 7, 31)

# ---------------------------------------------------------------- R11: a guarantee valid on 31 July, ≥ 10 % of 10 M
R11_GUARANTEES = {
    "ENOUGH": (1_000_000.0, None),
    "SHORT": (999_999.0, None),
    "ENDS": (2_000_000.0, JULY_END),  # valid through the month's last day
    "ENDED": (2_000_000.0, date(2025, 7, 30)),
}
R11_ROWS = {
    "project": projects(*R11_GUARANTEES, "NONE"),
    "payment_guarantee": [
        {
            "guarantee_no": f"G-{p}",
            "project_code": p,
            "amount": a,
            "start_date": date(2025, 1, 1),
            "end_date": end,
        }
        for p, (a, end) in R11_GUARANTEES.items()
    ],
}


def test_r11_adequate_at_the_share_valid_on_the_last_day():
    got = fired(rule_warehouse(R11_ROWS, "R11"), "R11")
    assert set(got) == {"SHORT", "ENDED", "NONE"}
    # the share it prints is the setting it tests (guarantee_min_share_of_contract)
    assert got["SHORT"]["reason_zh"] == "工程款支付担保金额100.0万元，低于合同额的10.0%"
    assert got["ENDED"]["reason_zh"] == "无有效的工程款支付担保（未提供或已过期）"


def test_r11_share_is_the_indicator_setting_and_printed():
    con = rule_warehouse(
        R11_ROWS, "R11", settings=Settings(indicators={"guarantee_min_share_of_contract": 0.2})
    )
    got = fired(con, "R11")
    assert set(got) == {"ENOUGH", "SHORT", "ENDED", "NONE"}  # ENDS holds exactly 20 %: adequate
    assert got["ENOUGH"]["reason_zh"].endswith("低于合同额的20.0%")


# ---------------------------------------------------------------- R12: a valid deposit of the project or its firm
def deposit(no: str, project_code: str | None, *, corp: str = "C1", status: str = "01", expire=None) -> dict:
    return {"deposit_no": no, "project_code": project_code, "corp_code": corp, "status": status,
            "amount": 200_000.0, "deposit_date": date(2025, 1, 1), "expire_date": expire}  # fmt: skip


R12_ROWS = {
    "project": projects("EXPIRES", "EXPIRED", "USED", "NONE") + projects("FIRM", contractor_corp_code="CF"),
    "wage_deposit": [
        deposit("D1", "EXPIRES", expire=JULY_END),  # valid through the month's last day
        deposit("D2", "EXPIRED", expire=date(2025, 7, 30)),
        deposit("D3", "USED", status="02"),  # 已动用
        deposit("D4", None, corp="CF"),  # firm-wide deposit of FIRM's 总承包单位
    ],
}


def test_r12_deposit_valid_on_the_last_day_or_firm_wide():
    assert levels(rule_warehouse(R12_ROWS, "R12"), "R12") == {
        "EXPIRED": "yellow",
        "USED": "yellow",
        "NONE": "yellow",
    }


# ---------------------------------------------------------------- R13: credit events 01/06 within 2 years
def corp(project_code: str, corp_code: str, corp_type: str = "009") -> dict:
    return {
        "project_code": project_code,
        "corp_code": corp_code,
        "corp_type": corp_type,
        "corp_name": corp_code,
    }


R13_ROWS = {
    "project": projects("EDGE", "IN", "TYPE", "SUB"),
    "project_corp": [
        corp("EDGE", "F-EDGE"),
        corp("IN", "F-IN"),
        corp("TYPE", "F-TYPE"),
        corp("SUB", "F-SUB", "006"),
    ],
    "credit_event": [
        {
            "corp_code": "F-EDGE",
            "event_type": "01",
            "event_date": date(2023, 7, 31),
        },  # exactly 2 years: outside
        {"corp_code": "F-IN", "event_type": "06", "event_date": date(2023, 8, 1)},
        {"corp_code": "F-TYPE", "event_type": "02", "event_date": date(2025, 1, 1)},  # not an arrears type
        {"corp_code": "F-SUB", "event_type": "01", "event_date": date(2025, 1, 1)},  # a 分包's record counts
    ],
}


def test_r13_events_within_the_lookback_of_the_listed_types():
    got = fired(rule_warehouse(R13_ROWS, "R13"), "R13")
    assert set(got) == {"IN", "SUB"}
    assert got["IN"]["reason_zh"] == "F-IN 近2年有1条欠薪失信或违法分包记录"


@pytest.mark.parametrize(
    ("setting", "value", "expected"),
    [("r13_lookback_years", 3, {"EDGE", "IN", "SUB"}), ("r13_event_types", ["02"], {"TYPE"})],
)
def test_r13_lookback_and_types_are_settings(setting, value, expected):
    con = rule_warehouse(R13_ROWS, "R13", settings=Settings(rules={setting: value}))
    assert set(fired(con, "R13")) == expected


# ---------------------------------------------------------------- R14: open → red; verified within 12 months → orange
def case(
    case_id: str, project_code: str, received: date, *, closed: date | None = None, verified=True
) -> dict:
    return {"case_id": case_id, "project_code": project_code, "received_date": received, "is_verified": verified,
            "status": "03" if closed else "01", "closed_date": closed}  # fmt: skip


R14_ROWS = {
    "project": projects("EDGE", "IN", "OPEN", "UNVERIFIED"),
    "complaint": [
        case("K1", "EDGE", date(2024, 7, 31), closed=date(2024, 8, 20)),  # exactly 12 months back: outside
        case("K2", "IN", date(2024, 8, 1), closed=date(2024, 8, 20)),
        case("K3", "OPEN", date(2025, 7, 1)),
        case("K4", "UNVERIFIED", date(2025, 6, 1), closed=date(2025, 6, 20), verified=False),
    ],
}


def test_r14_open_is_red_verified_within_the_lookback_orange():
    got = fired(rule_warehouse(R14_ROWS, "R14"), "R14")
    assert {p: r["level"] for p, r in got.items()} == {"IN": "orange", "OPEN": "red"}
    assert got["IN"]["reason_zh"] == "近12个月有1件查实欠薪投诉"


def test_r14_lookback_is_a_setting():
    con = rule_warehouse(R14_ROWS, "R14", settings=Settings(rules={"r14_verified_lookback_months": 13}))
    got = fired(con, "R14")
    assert levels(con, "R14") == {"EDGE": "orange", "IN": "orange", "OPEN": "red"}
    assert got["EDGE"]["reason_zh"] == "近13个月有1件查实欠薪投诉"
