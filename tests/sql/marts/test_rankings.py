"""District ranking ladder (通报 → 约谈 → 问责) and the firm complaint ladder (约谈 → 更换项目经理 → 黑榜)."""

from datetime import date

from pipelines.settings import Indicators, Settings
from tests.given import rows_of
from tests.sql.intermediate.given_indicators import indicator_warehouse, project, punch

AS_OF = date(2025, 6, 30)


def test_bottom_districts_climb_the_ladder_month_by_month():
    rows = {
        "project": [project("PA", area="A1"), project("PB", area="A2"), project("PC", area="A3")],
        # rn_update_rate per district: Apr A1 1, A2 1, A3 0; May A1 1, A2 0, A3 0; Jun A1 1, A2 1, A3 0
        "attendance": [punch("PA", "w", f"2025-{m:02d}-02 08:00:00") for m in (4, 5, 6)]
        + [punch("PB", "w", f"2025-{m:02d}-02 08:00:00") for m in (4, 6)],
        # complaints are delivered (one, closed the next day), so open_cases is 0, not 数据未报送 (null)
        "complaint": [
            {
                "case_id": "K1",
                "area_code": "A1",
                "received_date": date(2025, 4, 1),
                "closed_date": date(2025, 4, 2),
                "status": "03",
            }
        ],
    }
    settings = Settings(indicators=Indicators(ranking_bottom_n=1))
    con = indicator_warehouse(rows, as_of=AS_OF, settings=settings)
    got = rows_of(
        con,
        """select month, area_code, rank_worst_first, is_bottom, consecutive_bottom_months,
                                 ladder_level, ladder_label_zh, ladder_letter_zh
                          from rpt_area_ranking where indicator = 'rn_update_rate' and is_bottom
                          order by month, area_code""",
    )
    # ties share the worst rank: in May A2 and A3 are both bottom
    assert [
        (
            r["month"],
            r["area_code"],
            r["consecutive_bottom_months"],
            r["ladder_level"],
            r["ladder_label_zh"],
            r["ladder_letter_zh"],
        )
        for r in got
    ] == [
        ("2025-04", "A3", 1, 1, "通报", "提示函"),
        ("2025-05", "A2", 1, 1, "通报", "提示函"),
        ("2025-05", "A3", 2, 2, "约谈", "督办函"),
        ("2025-06", "A3", 3, 3, "问责", "问责建议函"),
    ]
    # open_cases is 0 everywhere: all tied with the best value, so nobody is flagged
    assert rows_of(
        con, "select count(*) as n from rpt_area_ranking where indicator = 'open_cases' and is_bottom"
    ) == [{"n": 0}]
    # more open cases = worse: direction recorded
    assert rows_of(
        con,
        """select distinct is_higher_better from rpt_area_ranking
                           where indicator = 'open_cases'""",
    ) == [{"is_higher_better": False}]


def test_firm_complaint_ladder():
    def case(i, corp, month, project_code=None):
        return {
            "case_id": f"K{i}",
            "corp_code": corp,
            "project_code": project_code,
            "area_code": "350503",
            "received_date": date(2025, month, 10),
            "status": "01",
        }

    rows = {
        "project": [project("PX", contractor_corp_code="F2")],
        "complaint": [
            case(1, "F1", 4),
            case(2, "F1", 4),
            case(3, "F2", 4),
            case(4, "F1", 5),
            case(5, "F1", 5),
            case(6, "F2", 5),
            case(7, "F3", 5),
            case(8, "F3", 5),
            case(9, "F1", 6),
            case(10, "F2", 6),
            case(11, "F2", 6),
            case(12, None, 6, project_code="PX"),  # no firm named: the project's 总承包单位 F2
            case(13, None, 6),  # no firm, no project: cannot be attributed
        ],
    }
    con = indicator_warehouse(
        rows, as_of=AS_OF, settings=Settings(indicators=Indicators(firm_complaint_top_n=1))
    )
    # top 1 per month: Apr F1 (2); May F1 and F3 tie (2 each); Jun F2 (3)
    assert rows_of(
        con,
        """select month, corp_code, n_complaints, consecutive_months, ladder_level, ladder_label_zh
                           from rpt_firm_complaint_ladder order by month, corp_code""",
    ) == [
        {
            "month": "2025-04",
            "corp_code": "F1",
            "n_complaints": 2,
            "consecutive_months": 1,
            "ladder_level": 1,
            "ladder_label_zh": "约谈",
        },
        {
            "month": "2025-05",
            "corp_code": "F1",
            "n_complaints": 2,
            "consecutive_months": 2,
            "ladder_level": 2,
            "ladder_label_zh": "更换项目经理",
        },
        {
            "month": "2025-05",
            "corp_code": "F3",
            "n_complaints": 2,
            "consecutive_months": 1,
            "ladder_level": 1,
            "ladder_label_zh": "约谈",
        },
        {
            "month": "2025-06",
            "corp_code": "F2",
            "n_complaints": 3,
            "consecutive_months": 1,
            "ladder_level": 1,
            "ladder_label_zh": "约谈",
        },
    ]
