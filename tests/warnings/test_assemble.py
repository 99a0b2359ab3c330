"""The two lists of triage.md: capacity per district, levels from probability bands, hard evidence above capacity,
rules as reasons (not tickets), the rectification list, honest owed amounts, and a line's life across nights."""

from datetime import date, timedelta

import polars as pl

from pipelines.settings import Settings
from pipelines.warnings.assemble import (
    arrears_leads,
    assemble_warnings,
    capacity,
    project_risk,
    risk_frame,
)
from pipelines.warnings.schema import PROJECT_RISK_SCHEMA, WARNING_SCHEMA

AS_OF = date(2025, 7, 31)
NEXT = AS_OF + timedelta(days=7)


def firings(*rows):
    return pl.DataFrame(
        [dict(zip(("project_code", "rule_id", "level", "reason_zh"), r, strict=True)) for r in rows],
        schema={"project_code": pl.Utf8, "rule_id": pl.Utf8, "level": pl.Utf8, "reason_zh": pl.Utf8},
    ).with_columns(as_of=pl.lit(AS_OF), evidence_value=pl.lit(1.0))


NO_FIRINGS = firings()


def scores(n=100, source="model", top=(), drop=()):
    """n projects P000… in risk scope; scores descend with the code from 0.30, except `top` codes which lead."""
    codes = [f"P{i:03d}" for i in range(n)]
    values = [0.30 - i / (4 * n) for i in range(n)]
    for rank, code in enumerate(top):
        values[codes.index(code)] = 0.95 - rank / 100
    df = pl.DataFrame(
        {
            "project_code": codes,
            "score": values,
            "factors_zh": [
                "建设单位本月工程款支付率低（10%）；已3.0个月无人工费拨付；近6个月工资最高欠发比例40%；第四个"
            ]
            * n,
            "score_source": source,
        }
    )
    return df.filter(~pl.col("project_code").is_in(list(drop)))


def projects(n=100, areas=("350503",)):
    return pl.DataFrame(
        {
            "project_code": [f"P{i:03d}" for i in range(n)],
            "name": [f"项目{i}" for i in range(n)],
            "area_code": [areas[i % len(areas)] for i in range(n)],
            "contractor_corp_code": ["C1"] * n,
            "contractor_corp_name": ["某建设集团"] * n,
            "build_corp_code": ["B1"] * n,
            "build_corp_name": ["某置业公司"] * n,
        }
    )


def owed(*rows):
    cols = (
        "project_code",
        "owed_yuan",
        "workers_owed",
        "owed_months",
        "late_paid_yuan",
        "late_months",
        "unpaid_workers",
    )
    return pl.DataFrame([dict(zip(cols, r, strict=True)) for r in rows])


def assemble(f=NO_FIRINGS, s=None, previous=None, o=None, d=None, as_of=AS_OF, settings=None, p=None):
    return assemble_warnings(
        f,
        scores() if s is None else s,
        p if p is not None else projects(),
        previous,
        settings or Settings(),
        as_of,
        o,
        d,
    )


def inspection(lines):
    return lines.filter(
        (pl.col("list") == "inspection") & (pl.col("status") == "open") & pl.col("rank").is_not_null()
    )


def test_capacity_is_five_percent_of_the_district_at_least_three_or_its_setting():
    s = Settings()
    assert capacity(100, "350503", s) == 5
    assert capacity(19, "350503", s) == 3
    assert capacity(61, "350503", s) == 4
    s.triage.list_capacity = {"350503": 8}
    assert capacity(19, "350503", s) == 8
    assert capacity(19, "350504", s) == 3


def test_each_district_gets_its_capacity_of_the_highest_scores_ranked_within_it():
    lines = assemble(p=projects(areas=("350503", "350504")))
    ins = inspection(lines)
    assert lines.schema == pl.Schema(WARNING_SCHEMA)
    # 50 projects per district → capacity max(3, ceil(2.5)) = 3 each: its three highest scores
    assert ins.filter(pl.col("area_code") == "350503")["project_code"].to_list() == ["P000", "P002", "P004"]
    assert ins.filter(pl.col("area_code") == "350504")["project_code"].to_list() == ["P001", "P003", "P005"]
    assert ins["rank"].to_list() == [1, 2, 3, 1, 2, 3]
    assert ins["capacity"].unique().to_list() == [3]


def test_levels_come_from_the_probability_bands_and_agree_with_the_order():
    s = scores(top=("P050",))  # P050 0.95 → red; P000 0.30, P001 0.2975 … orange (≥ 0.20); below 0.20 yellow
    settings = Settings()
    settings.triage.list_capacity = {"350503": 60}
    ins = inspection(assemble(s=s, settings=settings))
    level = dict(zip(ins["project_code"], ins["level"], strict=True))
    assert level["P050"] == "red"
    assert level["P000"] == "orange"
    assert level["P045"] == "yellow"
    assert (
        ins.filter(pl.col("project_code") == "P050")["level_basis"].item()
        == "欠薪概率95.0%，达红色线（≥40%）"
    )
    order = ins.sort("rank")
    sev = order["level"].replace_strict({"red": 0, "orange": 1, "yellow": 2}).to_list()
    assert sev == sorted(sev)
    assert order["score"].to_list()[1:] == sorted(order["score"].to_list()[1:], reverse=True)


def test_a_rule_alone_is_a_reason_not_a_ticket_onto_the_inspection_list():
    f = firings(("P090", "R11", "orange", "无有效的工程款支付担保"), ("P000", "R12", "yellow", "未缴存"))
    lines = assemble(f)
    ins = inspection(lines)
    assert "P090" not in ins["project_code"].to_list()
    top = ins.filter(pl.col("project_code") == "P000").row(0, named=True)
    assert top["rules"] == ["R12"]
    assert top["reasons"].startswith("R12 ")
    rect = lines.filter(pl.col("list") == "rectification")
    assert sorted(rect["project_code"].to_list()) == ["P000", "P090"]
    assert rect.filter(pl.col("project_code") == "P090")["warning_id"].item() == "ZG-20250731-P090"


def test_hard_evidence_of_wages_owed_now_is_listed_above_capacity_and_red():
    f = firings(
        ("P080", "R03", "red", "2025-06（12人有考勤）至今未发放"),
        ("P081", "R16", "red", "3名已离场工人工资未结清，共欠9000元"),
        (
            "P082",
            "R05",
            "red",
            "2025-05 应发5.3万元、实发0.0万元，逾期未补足",
        ),  # paid late since: not owed now
        ("P083", "R05", "red", "2025-05 应发8.0万元、实发0.8万元，逾期未补足"),
    )
    o = owed(
        ("P080", 0.0, 0, None, 0.0, None, 12),
        ("P082", 0.0, 0, None, 53200.0, "2025-05（07-01补发）", 0),
        ("P083", 72242.0, 9, "2025-05", 0.0, None, 0),
    )
    lines = assemble(f, o=o)
    ins = inspection(lines)
    listed = ins["project_code"].to_list()
    assert {"P080", "P081", "P083"} <= set(listed)
    assert "P082" not in listed
    # hard evidence takes slots first and the highest scores fill the rest; the order is level then score
    assert listed == ["P000", "P001", "P080", "P081", "P083"]
    many = firings(*[(f"P{i:03d}", "R16", "red", "离场未结清") for i in range(90, 98)])
    assert inspection(assemble(many))["project_code"].to_list() == [
        f"P{i:03d}" for i in range(90, 98)
    ]  # 8 > 5
    hard = ins.filter(pl.col("hard_evidence"))
    # the level is the forecast (a new event in the horizon), the basis says the wages are owed already
    assert hard["level"].unique().to_list() == ["yellow"]
    assert (
        hard.filter(pl.col("project_code") == "P080")["level_basis"].item()
        == "已发生欠薪（R03），优先列入；欠薪概率10.0%，低于橙色线（20%）"
    )
    assert (
        hard.filter(pl.col("project_code") == "P080")["workers_owed"].item() == 12
    )  # the unpaid month's workers
    p083 = ins.filter(pl.col("project_code") == "P083").row(0, named=True)
    assert p083["owed_yuan"] == 72242.0
    assert p083["workers_owed"] == 9
    assert "截至目前仍欠发工资7.2万元、涉及9人（2025-05）" in p083["reasons"]
    assert "实发" not in p083["reasons"]
    p082 = risk_frame(f, scores(), projects(), Settings(), o).filter(pl.col("project_code") == "P082")
    assert (
        p082["reasons"].item()
        == "R05 工资未足额发放：逾期补发5.3万元（2025-05（07-01补发）），属迟发而非未发"
    )


def test_hard_evidence_above_capacity_is_capped_most_workers_first_and_the_rest_are_leads():
    # 100 projects: capacity 5, hard evidence may go 10 above it (hard_evidence_extra_share 10 %); 30 fire R16
    many = firings(*[(f"P{i:03d}", "R16", "red", "离场未结清") for i in range(60, 90)])
    o = owed(*[(f"P{i:03d}", 1000.0 * i, i - 59, "2025-05", 0.0, None, 0) for i in range(60, 90)])
    lines = assemble(many, o=o)
    ins = inspection(lines)
    assert ins.height == 15
    # most workers owed first: P089 (30 workers) … P075 (16)
    assert sorted(ins["project_code"].to_list()) == [f"P{i:03d}" for i in range(75, 90)]
    risk = risk_frame(many, scores(), projects(), Settings(), o)
    leads = arrears_leads(risk, lines, AS_OF)
    assert leads["project_code"].to_list() == [f"P{i:03d}" for i in range(74, 59, -1)]  # never dropped
    settings = Settings()
    settings.triage.hard_evidence_extra_share = 0.0
    assert inspection(assemble(many, o=o, settings=settings)).height == 5


def test_a_hard_evidence_line_closed_as_unfounded_comes_back_only_when_what_is_owed_grew():
    f = firings(("P090", "R05", "red", "2025-05 应发8.0万元、实发0.8万元，逾期未补足"))
    o = owed(("P090", 72242.0, 9, "2025-05", 0.0, None, 0))
    night1 = assemble(f, o=o)
    wid = inspection(night1).filter(pl.col("project_code") == "P090")["warning_id"].item()
    returns = pl.DataFrame(
        {"warning_id": [wid], "outcome": ["03"], "inspect_date": [AS_OF + timedelta(days=3)]}
    )
    night2 = assemble(f, o=o, previous=night1, d=returns, as_of=NEXT)
    closed = night2.filter(pl.col("project_code") == "P090")
    assert closed["status"].to_list() == ["closed"]  # not re-listed the same night on the same evidence
    later = NEXT + timedelta(days=7)
    same = assemble_warnings(
        f, scores(), projects(), night2, Settings(), later, o, returns, {"P090": (72242.0, 9)}
    )
    assert "P090" not in inspection(same)["project_code"].to_list()
    assert (
        "P090"
        in arrears_leads(risk_frame(f, scores(), projects(), Settings(), o), same, later)[
            "project_code"
        ].to_list()
    )  # still owed: on the 欠薪线索 sheet, not silently gone
    grown = owed(("P090", 95000.0, 12, "2025-05、2025-06", 0.0, None, 0))
    again = assemble_warnings(
        f, scores(), projects(), night2, Settings(), later, grown, returns, {"P090": (72242.0, 9)}
    )
    line = inspection(again).filter(pl.col("project_code") == "P090")
    assert line.height == 1
    assert line["is_new"].item()


def test_at_most_three_factors():
    ins = inspection(assemble())
    assert ins["factors"][0].split("；") == [
        "建设单位本月工程款支付率低（10%）",
        "已3.0个月无人工费拨付",
        "近6个月工资最高欠发比例40%",
    ]


def test_rules_fallback_has_no_probability_levels():
    f = firings(("P000", "R11", "orange", "x"), ("P001", "R12", "yellow", "y"))
    ins = inspection(assemble(f, s=scores(source="rules_fallback")))
    level = dict(zip(ins["project_code"], ins["level"], strict=True))
    assert level["P000"] == "orange"
    assert level["P001"] == "yellow"
    assert ins["factors"].is_null().all()
    assert ins["level_basis"][0] == "风险模型不可用，按预警规则排序"


def test_a_line_keeps_its_id_until_closed_and_a_project_leaving_scope_is_not_closed():
    night1 = assemble()
    first = inspection(night1)["project_code"].to_list()
    assert first == ["P000", "P001", "P002", "P003", "P004"]
    # night 2: P000 inspected and found untrue (03) → closed; P001 left risk scope; P002 found true (01) → tracking
    d = pl.DataFrame(
        {
            "warning_id": ["HC-20250731-P000", "HC-20250731-P002"],
            "outcome": ["03", "01"],
            "inspect_date": [NEXT - timedelta(days=2), NEXT - timedelta(days=1)],
            "closed_date": [None, None],
        },
        schema={"warning_id": pl.Utf8, "outcome": pl.Utf8, "inspect_date": pl.Date, "closed_date": pl.Date},
    )
    s2 = scores(drop=("P001",), top=("P099",))
    night2 = assemble(s=s2, previous=night1, d=d, as_of=NEXT)
    by = {(r["project_code"], r["list"]): r for r in night2.iter_rows(named=True)}
    assert by[("P000", "inspection")]["status"] == "closed"
    assert by[("P000", "inspection")]["change"] == "closed"
    assert by[("P001", "inspection")]["status"] == "out_of_scope"
    assert by[("P001", "inspection")]["change"] == "out_of_scope"
    assert by[("P002", "inspection")]["stage"] == "tracking"
    assert by[("P002", "inspection")]["rank"] is None
    p003 = by[("P003", "inspection")]
    assert p003["warning_id"] == "HC-20250731-P003"
    assert p003["warning_date"] == AS_OF
    assert p003["change"] == "unchanged"
    assert not p003["is_new"]
    # awaiting lines stay; the freed slots go to the highest scores without an open line
    ins = inspection(night2)
    assert sorted(ins["project_code"].to_list()) == ["P003", "P004", "P005", "P006", "P099"]
    assert ins.filter(pl.col("project_code") == "P099")["warning_id"].item() == "HC-20250807-P099"
    # 16 days on without a result: overdue, and listed first within its level
    night3 = assemble(s=s2, previous=night2, as_of=AS_OF + timedelta(days=16))
    overdue = inspection(night3).filter(pl.col("overdue"))["project_code"].to_list()
    assert sorted(overdue) == ["P003", "P004"]
    # P002 is 销号 when its closed_date has passed
    d3 = d.vstack(
        pl.DataFrame(
            {
                "warning_id": ["HC-20250731-P002"],
                "outcome": ["01"],
                "inspect_date": [NEXT],
                "closed_date": [NEXT + timedelta(days=3)],
            },
            schema=d.schema,
        )
    )
    night4 = assemble(s=s2, previous=night2, d=d3, as_of=NEXT + timedelta(days=7))
    p002 = night4.filter((pl.col("project_code") == "P002") & (pl.col("list") == "inspection")).row(
        0, named=True
    )
    assert p002["status"] == "closed"
    assert p002["closed_date"] == NEXT + timedelta(days=3)


def test_project_risk_holds_every_project_in_risk_scope_listed_or_not():
    f = firings(("P050", "R11", "orange", "x"))
    s = scores()
    lines = assemble(f, s=s)
    risk = project_risk(risk_frame(f, s, projects(), Settings()), lines, AS_OF)
    assert risk.schema == pl.Schema(PROJECT_RISK_SCHEMA)
    assert risk.height == 100
    assert risk.filter(pl.col("listed"))["project_code"].sort().to_list() == [
        "P000",
        "P001",
        "P002",
        "P003",
        "P004",
    ]
    assert risk.filter(pl.col("project_code") == "P050")["rules"].item().to_list() == ["R11"]
    assert risk["score_source"].unique().to_list() == ["model"]


def test_projects_in_risk_scope_but_not_scored_are_listed_on_hard_evidence():
    # P100 is 完工: the rules see it (risk scope), the model does not score it
    f = firings(
        ("P100", "R16", "red", "5名已离场工人工资未结清，共欠21000元"), ("P101", "R11", "orange", "x")
    )
    p = pl.concat(
        [projects(), projects(102).filter(pl.col("project_code").is_in(["P100", "P101"]))], how="vertical"
    )
    scope = [*scores()["project_code"], "P100", "P101"]
    lines = assemble_warnings(f, scores(), p, None, Settings(), AS_OF, scope=scope)
    ins = inspection(lines)
    p100 = ins.filter(pl.col("project_code") == "P100").row(0, named=True)
    assert p100["hard_evidence"]
    assert p100["level"] == "red"
    assert p100["score"] is None
    assert (
        p100["level_basis"]
        == "已发生欠薪（R16），优先列入；完工/停工/超期项目不在模型评分范围，按预警规则定级"
    )
    assert "P101" not in ins["project_code"].to_list()  # no probability, no hard evidence: not a visit
    risk = project_risk(risk_frame(f, scores(), p, Settings(), scope=scope), lines, AS_OF)
    assert risk.height == 102
    assert dict(zip(risk["project_code"], risk["score_source"], strict=True))["P101"] == "not_scored"


def test_a_month_paid_late_since_is_not_hard_evidence_of_r03():
    # the rule's own reason says the month was paid late (rule_r03_payroll_not_paid); the line keeps it as written
    reason = "2025-05（63人有考勤）2025-07-04逾期发放"
    f = firings(("P090", "R03", "red", reason), ("P090", "R05", "red", "x"))
    o = owed(("P090", 38000.0, 15, "2025-04", 412000.0, "2025-05（07-04补发）", 0))
    line = (
        risk_frame(f, scores(), projects(), Settings(), o)
        .filter(pl.col("project_code") == "P090")
        .row(0, named=True)
    )
    assert line["reasons"].startswith(f"R03 工资未按期发放：{reason}；")
    assert line["hard_evidence"]  # still owed 3.8万 for 2025-04: R05 is the evidence, not R03
    assert line["level_basis"].startswith("已发生欠薪（R05）")
