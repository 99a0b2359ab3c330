"""Warning list assembly: levels from rules and score shares, reasons, order, and changes against the last list."""

from datetime import date

import polars as pl
import pytest

from pipelines.settings import Settings
from pipelines.warnings.assemble import assemble_warnings, resolved
from pipelines.warnings.schema import RESOLVED_SCHEMA, WARNING_SCHEMA

AS_OF = date(2025, 7, 31)


def firings(*rows):
    return pl.DataFrame(
        [dict(zip(("project_code", "rule_id", "level", "reason_zh"), r, strict=True)) for r in rows],
        schema={"project_code": pl.Utf8, "rule_id": pl.Utf8, "level": pl.Utf8, "reason_zh": pl.Utf8},
    ).with_columns(as_of=pl.lit(AS_OF), evidence_value=pl.lit(1.0))


def scores(n=100, source="model", top=()):
    """n in-scope projects P000…; scores descend with the code, except `top` codes which lead."""
    codes = [f"P{i:03d}" for i in range(n)]
    values = [0.5 - i / (4 * n) for i in range(n)]
    for rank, code in enumerate(top):
        values[codes.index(code)] = 0.99 - rank / 100
    return pl.DataFrame(
        {
            "project_code": codes,
            "score": values,
            "factors_zh": ["专户人工费拨付减少"] * n,
            "score_source": source,
        }
    )


def projects(n=100):
    return pl.DataFrame(
        {
            "project_code": [f"P{i:03d}" for i in range(n)],
            "name": [f"项目{i}" for i in range(n)],
            "area_code": ["350503"] * n,
            "contractor_corp_code": ["C1"] * n,
            "contractor_corp_name": ["某建设集团"] * n,
            "build_corp_code": ["B1"] * n,
            "build_corp_name": ["某置业公司"] * n,
        }
    )


def assemble(f, s=None, previous=None, settings=None):
    return assemble_warnings(
        f, scores() if s is None else s, projects(), previous, settings or Settings(), AS_OF
    )


def test_levels_from_rules_and_from_the_score_shares():
    f = firings(
        ("P050", "R03", "red", "2025-06 工资逾期未发放"),
        ("P050", "R12", "yellow", "未缴存工资保证金"),
        ("P060", "R11", "orange", "无有效的工程款支付担保"),
        ("P070", "R12", "yellow", "未缴存工资保证金"),
    )
    lines = assemble(f)
    level = dict(zip(lines["project_code"], lines["level"], strict=True))
    # rules: P050 red (its most severe rule), P060 orange, P070 yellow
    # scores of 100 projects: P000–P001 top 2% → red, P002–P004 top 5% → orange, P005–P009 top 10% → yellow
    assert level == {
        "P050": "red", "P000": "red", "P001": "red",
        "P060": "orange", "P002": "orange", "P003": "orange", "P004": "orange",
        "P070": "yellow", "P005": "yellow", "P006": "yellow", "P007": "yellow", "P008": "yellow", "P009": "yellow",
    }  # fmt: skip
    assert lines.schema == pl.Schema(WARNING_SCHEMA)


def test_a_rule_and_a_higher_score_level_take_the_more_severe():
    lines = assemble(firings(("P000", "R12", "yellow", "未缴存工资保证金")))
    line = lines.filter(pl.col("project_code") == "P000").row(0, named=True)
    assert line["level"] == "red"
    assert line["level_basis"] == "风险分列在管项目前1.0%"
    assert line["rules"] == ["R12"]
    assert line["reasons"] == "R12 未缴存工资保证金：未缴存工资保证金"


def test_ordering_is_level_then_score_then_code():
    lines = assemble(
        firings(
            ("P090", "R03", "red", "x"),
            ("P080", "R03", "red", "x"),
            ("P085", "R11", "orange", "x"),
        )
    )
    assert lines["rank"].to_list() == list(range(1, lines.height + 1))
    levels = lines["level"].to_list()
    assert levels == sorted(levels, key=["red", "orange", "yellow"].index)
    reds = lines.filter(pl.col("level") == "red")["project_code"].to_list()
    assert reds == ["P000", "P001", "P080", "P090"]  # higher score first (P080 scores above P090)


def test_fallback_scores_add_no_line_the_rules_did_not():
    lines = assemble(firings(("P050", "R11", "orange", "x")), s=scores(source="rules_fallback"))
    assert lines["project_code"].to_list() == ["P050"]


def test_reasons_order_by_severity_and_advice_from_the_catalogue():
    lines = assemble(
        firings(("P050", "R12", "yellow", "未缴存"), ("P050", "R05", "red", "2025-06 应发5万元、实发3万元")),
        s=scores(source="rules_fallback"),
    )
    line = lines.row(0, named=True)
    assert line["rules"] == ["R05", "R12"]
    assert line["reasons"] == "R05 工资未足额发放：2025-06 应发5万元、实发3万元；R12 未缴存工资保证金：未缴存"
    assert line["suggested_checks"].startswith("逐人核对应发与实发差额")
    assert line["level_basis"] == "红色规则R05"


def test_every_red_or_orange_line_has_a_reason():
    lines = assemble(firings(("P050", "R11", "orange", "无有效担保")))
    urgent = lines.filter(pl.col("level").is_in(["red", "orange"]))
    assert urgent.height == 6
    assert all(r and len(r) > 5 for r in urgent["reasons"])
    score_only = urgent.filter(pl.col("rules").list.len() == 0)["reasons"].to_list()
    assert score_only[0] == "风险分列在管项目前1.0%，主要因素：专户人工费拨付减少"


def test_changes_against_the_previous_list():
    previous = assemble(
        firings(("P050", "R11", "orange", "x"), ("P060", "R03", "red", "x"), ("P070", "R12", "yellow", "x")),
        s=scores(source="rules_fallback"),
    )
    current = assemble(
        firings(("P050", "R03", "red", "x"), ("P060", "R11", "orange", "x"), ("P080", "R12", "yellow", "x")),
        s=scores(source="rules_fallback"),
        previous=previous,
    )
    change = dict(zip(current["project_code"], current["change"], strict=True))
    assert change == {"P050": "escalated", "P060": "de-escalated", "P080": "new"}
    assert dict(zip(current["project_code"], current["is_new"], strict=True)) == {
        "P050": False,
        "P060": False,
        "P080": True,
    }
    gone = resolved(previous, current, AS_OF)
    assert gone.schema == pl.Schema(RESOLVED_SCHEMA)
    assert gone.rows(named=True) == [
        {
            "as_of": AS_OF,
            "project_code": "P070",
            "project_name": "项目70",
            "area_code": "350503",
            "previous_level": "yellow",
            "previous_rules": ["R12"],
        }
    ]


def test_no_firing_and_no_model_gives_an_empty_list_with_the_schema():
    lines = assemble(firings(), s=scores(source="rules_fallback"))
    assert lines.height == 0
    assert lines.schema == pl.Schema(WARNING_SCHEMA)


@pytest.mark.parametrize("shares", [(0.0, 0.0, 0.0), (0.01, 0.01, 0.01)])
def test_score_shares_are_settings(shares):
    settings = Settings(
        score={"red_top_share": shares[0], "orange_top_share": shares[1], "yellow_top_share": shares[2]}
    )
    lines = assemble(firings(), settings=settings)
    assert lines.height == round(100 * shares[2])
