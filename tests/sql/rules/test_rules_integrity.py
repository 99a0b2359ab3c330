"""R17: one person punching on two projects within the window (代打卡 / 挂证)."""

from datetime import date, datetime

import pytest

from tests.given import given_warehouse, rows_of
from tests.sql.intermediate.given_indicators import project

AS_OF = date(2025, 7, 31)


def punch(project_code, person, at):
    return {"project_code": project_code, "id_card_number_hash": person, "date": at}


ROWS = {
    "project": [project(code) for code in ("P", "Q", "S", "T")],
    "attendance": [
        # x: P at 08:00, Q at 08:40 → both flagged
        punch("P", "x", datetime(2025, 7, 20, 8, 0)),
        punch("Q", "x", datetime(2025, 7, 20, 8, 40)),
        # y: S at 08:00, T at 09:00 exactly 60 minutes later → not within the window
        punch("S", "y", datetime(2025, 7, 21, 8, 0)),
        punch("T", "y", datetime(2025, 7, 21, 9, 0)),
        # z: S then T ten minutes apart but 40 days ago → outside the 30-day lookback
        punch("S", "z", datetime(2025, 6, 20, 8, 0)),
        punch("T", "z", datetime(2025, 6, 20, 8, 10)),
        # w: two punches on P within minutes (in and out on one project) → nothing
        punch("P", "w", datetime(2025, 7, 22, 8, 0)),
        punch("P", "w", datetime(2025, 7, 22, 8, 5)),
    ],
}


@pytest.fixture(scope="module")
def warehouse():
    return given_warehouse(ROWS, as_of=AS_OF)


def test_r17_flags_both_projects_of_a_close_pair(warehouse):
    got = rows_of(
        warehouse, "select project_code, level, reason_zh from rule_firing where rule_id = 'R17' order by 1"
    )
    assert got == [
        {
            "project_code": p,
            "level": "yellow",
            "reason_zh": "近30天有1人在60分钟内于本项目和其他项目先后打卡（疑似代打卡或挂证）",
        }
        for p in ("P", "Q")
    ]
