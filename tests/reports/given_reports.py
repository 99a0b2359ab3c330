"""Realistic small inputs for the lists and the dashboard, built with the exact schemas the pipeline hands over.

The warning frames use pipelines/warnings/schema.py and pipelines/quality/schema.py. The indicator frames take
their columns from the real SQL (a tiny warehouse is built once), and the ranking is the real rpt_area_ranking
model run over the hand-made months, so a renamed column breaks these fixtures rather than hiding.
"""

from __future__ import annotations

import random
from datetime import date
from functools import cache

import duckdb
import polars as pl

from pipelines.quality.schema import FINDING_SCHEMA
from pipelines.settings import Settings, sql_params
from pipelines.warehouse import connect, frame, run_models
from pipelines.warnings.schema import RESOLVED_SCHEMA, WARNING_SCHEMA, WORKER_SCHEMA
from tests.sql.intermediate.given_indicators import indicator_warehouse, key_staff, project, punch, worker

AS_OF = date(2025, 7, 31)
AREAS_CSV = Settings().paths.data_dir / "reference" / "areas.csv"
LICHENG, FENGZE, LUOJIANG, HUIAN, SHISHI, JINJIANG, NANAN = (
    "350502", "350503", "350504", "350521", "350581", "350582", "350583",
)  # fmt: skip

# Clear personal values that an upstream bug lets through: none may reach a workbook or the CSV.
LEAKED_ID = "35050319850315123X"
LEAKED_NAME = "王建国"
LEAKED_PHONE = "13912345678"
LEAKED_ID_IN_TEXT = "350582199203041518"


def areas() -> pl.DataFrame:
    """The shipped 行政区划 reference (code, name_zh, city_zh, province_zh)."""
    return pl.read_csv(AREAS_CSV, schema_overrides={"code": pl.Utf8})


CONTRACTORS = ("福建泉能建设集团有限公司", "泉州宏图建筑工程有限公司", "晋江市海丰建设有限公司")
OWNERS = ("泉州城建置业有限公司", "泉州市东湖置业有限公司", "南安市城投开发有限公司")


def _code(area: str, i: int) -> str:
    return f"{area}2024{i:06d}"  # the generator's shape: area + start year + sequence


def _line(
    area: str,
    i: int,
    level: str,
    score: float,
    rules: list[str],
    reasons: str,
    change: str = "unchanged",
    previous_level: str | None = None,
) -> dict:
    previous_level = previous_level if change != "unchanged" else level
    return {
        "as_of": AS_OF,
        "project_code": _code(area, i),
        "area_code": area,
        "level": level,
        "score": score,
        "rules": rules,
        "reasons": reasons,
        "is_new": change == "new",
        "rank": 0,
        "project_name": f"泉州{['安置房', '学校', '商住楼', '道路', '厂房'][i % 5]}{i}期工程",
        "contractor_corp_code": f"91350500MA{i:08d}",
        "contractor_corp_name": CONTRACTORS[i % 3],
        "build_corp_code": f"91350500BA{i:08d}",
        "build_corp_name": OWNERS[i % 3],
        "score_source": "model",
        "score_top_share": round(1 - score, 3),
        "level_basis": f"{level}规则{rules[0]}" if rules else "风险分前2%",
        "factors": "专户人工费拨付减少、考勤人数下降",
        "suggested_checks": "调取专户流水和施工合同，核实人工费拨付周期与到账金额",
        "change": change,
        "previous_level": None if change == "new" else previous_level,
    }


def lines() -> pl.DataFrame:
    """14 warning lines over four districts (one not in areas.csv), in a shuffled order, with every change kind."""
    rows = [
        _line(FENGZE, 3, "yellow", 0.21, ["R12"], "R12 未缴存工资保证金：总包单位无有效工资保证金"),
        _line(FENGZE, 1, "red", 0.91, ["R03", "R05"], "R03 工资未按期发放：2025-05（12人有考勤）至今未发放；R05 工资未足额发放：2025-05 应发 412,000 元，实发 268,500 元", "escalated", "orange"),
        _line(LICHENG, 7, "orange", 0.66, ["R11"], "R11 工程款支付担保缺失或不足：无有效担保", "new"),
        _line(JINJIANG, 2, "red", 0.74, ["R16"], f"R16 离场工人工资未结清：3 名离场工人未结清，联系人电话{LEAKED_PHONE}", "new"),
        _line(FENGZE, 5, "orange", 0.58, ["R09", "R02"], "R09 项目经理/总监到岗不足：项目经理到岗率 42%；R02 人工费拨付不足：拨付 12% < 20%"),
        _line(LICHENG, 8, "red", 0.97, ["R14"], "R14 欠薪投诉：1 件投诉未办结"),
        _line(JINJIANG, 4, "yellow", 0.35, ["R17"], f"R17 疑似代打卡或挂证：身份证 {LEAKED_ID_IN_TEXT} 在两个项目60分钟内打卡", "de-escalated", "orange"),
        _line(NANAN, 6, "yellow", 0.30, ["R06"], "R06 出勤工人无工资记录：2025-06 有 4 名出勤工人无工资记录"),
        _line(FENGZE, 9, "red", 0.83, [], "风险分列在管项目前1.5%，主要因素：专户人工费拨付减少"),
        _line(JINJIANG, 10, "orange", 0.71, ["R15"], "R15 专户余额不足：余额 8.2 万元 < 下月预计工资 31.0 万元", "new"),
        _line(LICHENG, 11, "yellow", 0.44, ["R01"], "R01 人工费未按月拨付：2025-06 无人工费拨付"),
        _line(NANAN, 12, "orange", 0.52, ["R13"], "R13 参建企业有欠薪失信记录：总包 2024-03 失信"),
        _line("350999", 13, "yellow", 0.27, ["R10"], "R10 考勤中断或人数骤降：连续 9 天无考勤"),  # not in areas.csv
        _line(FENGZE, 14, "yellow", 0.27, ["R12"], '=HYPERLINK("http://example.invalid") 未缴存工资保证金'),
    ]  # fmt: skip
    ordered = (
        pl.DataFrame(rows, schema=WARNING_SCHEMA)
        .sort(
            pl.col("level").replace_strict({"red": 0, "orange": 1, "yellow": 2}),
            pl.col("score"),
            descending=[False, True],
        )
        .with_columns(rank=pl.int_range(1, pl.len() + 1, dtype=pl.Int32))
    )
    return ordered.sample(fraction=1.0, shuffle=True, seed=7)  # the lists must order by themselves


def workers() -> pl.DataFrame:
    """Workers owed wages on the R05 and R16 projects, masked upstream except one leaked row."""
    rows = [
        (_code(FENGZE, 1), "R05", None, "350503********1234", "张*", "2025-05", 6200.0, True),
        (
            _code(FENGZE, 1),
            "R05",
            "R16",
            "350521********2318",
            "李**",
            "2025-05",
            5800.0,
            True,
        ),  # a leaver: both rules
        (_code(FENGZE, 1), "R05", None, LEAKED_ID, LEAKED_NAME, "2025-05", 7400.0, True),
        (_code(JINJIANG, 2), "R16", None, "350582********0917", "陈*", "2025-04", 3150.5, True),
        # a leaver's month before its deadline: on the sheet for R16, not yet in 当前欠发
        (_code(JINJIANG, 2), "R16", None, "350583********4420", "林**", "2025-05", 9800.0, False),
        # owed now, inside R05's make-good days: no rule has judged it yet
        (_code(JINJIANG, 2), None, None, "350582********0555", "吴*", "2025-05", 2100.0, True),
        (
            "350503202499999",
            "R05",
            None,
            "350503********0001",
            "黄*",
            "2025-05",
            100.0,
            True,
        ),  # not on the list
    ]
    return pl.DataFrame(
        [dict(zip(list(WORKER_SCHEMA)[1:], r, strict=True)) | {"as_of": AS_OF} for r in rows],
        schema=WORKER_SCHEMA,
    )


def resolved() -> pl.DataFrame:
    """Two projects that left the list since the last run."""
    return pl.DataFrame(
        [
            {"as_of": AS_OF, "project_code": _code(LICHENG, 20), "project_name": "泉州学校20期工程",
             "area_code": LICHENG, "previous_level": "orange", "previous_rules": ["R02"]},
            {"as_of": AS_OF, "project_code": _code(NANAN, 21), "project_name": "泉州道路21期工程",
             "area_code": NANAN, "previous_level": "red", "previous_rules": ["R03"]},
        ],
        schema=RESOLVED_SCHEMA,
    )  # fmt: skip


def findings() -> pl.DataFrame:
    """The run's data-quality findings: district ones, a city-wide blocking one, and one already closed."""

    def f(check, title, severity, entity, area, project_code, n, detail, last_seen=AS_OF):
        return {
            "as_of": AS_OF, "check_id": check, "title_zh": title, "severity": severity, "entity": entity,
            "area_code": area, "project_code": project_code, "corp_code": None, "n_rows": n,
            "first_seen": date(2025, 7, 1), "last_seen": last_seen, "detail_zh": detail,
        }  # fmt: skip

    rows = [
        f("attendance_not_on_roster", "考勤人员不在花名册", "warning", "attendance", FENGZE, _code(FENGZE, 1), 12,
          "12人考勤但不在花名册"),
        f("attendance_not_on_roster", "考勤人员不在花名册", "warning", "attendance", JINJIANG, _code(JINJIANG, 2), 3,
          "3人考勤但不在花名册"),
        f("pm_missing", "未设置项目经理", "warning", "project_corp", JINJIANG, _code(JINJIANG, 4), 1,
          "总承包单位未登记项目经理"),
        f("file_unreadable_share", "文件无法读取", "blocking", "payroll", None, None, 2,
          "2 个工资文件无法读取"),
        f("case_closed_without_date", "办结案件无办结日期", "warning", "complaint", NANAN, None, 1,
          f"投诉人电话{LEAKED_PHONE}的案件无办结日期"),
        f("duplicate_punch", "重复打卡记录", "warning", "attendance", LICHENG, _code(LICHENG, 7), 40,
          "已关闭的问题", last_seen=date(2025, 7, 20)),
    ]  # fmt: skip
    return pl.DataFrame(rows, schema=FINDING_SCHEMA)


# ── indicator frames ───────────────────────────────────────────────────────────────────────────────────────


def _tiny_world() -> duckdb.DuckDBPyConnection:
    """Two districts, three projects, two months of attendance: the real indicator SQL, built in memory."""
    rows = {
        "project": [project("PA", area=FENGZE), project("PB", area=FENGZE), project("PC", area=JINJIANG)],
        "project_worker": [worker("PA", "w1"), worker("PA", "pm1", role="10"), worker("PC", "w2")],
        "project_corp": [key_staff("PA", "pm1")],
        "attendance": [
            *(punch("PA", p, f"2025-{m:02d}-{d:02d} 08:00:00") for m in (6, 7) for d in (2, 3) for p in ("w1", "pm1")),
            *(punch("PC", "w2", f"2025-07-{d:02d} 08:00:00") for d in (2, 3, 4)),
        ],
    }  # fmt: skip
    return indicator_warehouse(rows, as_of=AS_OF)


@cache
def real_indicator_frames() -> tuple[pl.DataFrame, pl.DataFrame]:
    """indicator_area_month and rpt_area_ranking exactly as the SQL makes them, on a tiny world."""
    con = _tiny_world()
    return frame(con, "select * from indicator_area_month"), frame(con, "select * from rpt_area_ranking")


def _district_month(rng: random.Random, base: dict, k: int) -> dict:
    """One district's counts and rates for the k-th month (0 = oldest): a level, a slow drift, some noise."""
    n = base["projects"] + rng.randint(-2, 2)
    updated = min(n, round(n * min(1.0, base["rn"] + 0.004 * k + rng.uniform(-0.04, 0.03))))
    days = n * 22
    pm = round(days * min(1.0, base["staff"] + rng.uniform(-0.06, 0.06)))
    cs = round(days * min(1.0, base["staff"] - 0.05 + rng.uniform(-0.06, 0.06)))
    received = 3 * (k % 12 + 1) + rng.randint(0, 4)
    closed = received - rng.randint(0, base["backlog"])
    open_cases = received - closed + rng.randint(0, 1)

    def rate(level: float) -> float:
        return max(0.0, min(1.0, level + rng.uniform(-0.05, 0.05)))

    return {
        "n_projects_in_scope": n,
        "n_projects_updated": updated,
        "n_projects_with_attendance": updated,
        "avg_attendance": base["attendance"] + 0.8 * k + rng.uniform(-6, 6),
        "n_working_days": days,
        "n_pm_onsite_days": pm,
        "n_chief_supervisor_onsite_days": cs,
        "platform_share": rate(0.7),
        "account_open_rate": rate(base["compliance"] + 0.08),
        "tripartite_rate": rate(base["compliance"]),
        "labor_cost_monthly_rate": rate(base["compliance"] - 0.1),
        "labor_cost_sufficiency": max(0.0, base["compliance"] + rng.uniform(-0.2, 0.2)),
        "payroll_on_time_rate": rate(base["compliance"] - 0.02),
        "payroll_via_account_rate": rate(base["compliance"] + 0.03),
        "paid_vs_attended": rate(0.93),
        "guarantee_coverage": rate(base["compliance"] - 0.3),
        "guarantee_adequacy": rate(base["compliance"] - 0.35),
        "deposit_coverage": rate(base["compliance"] - 0.05),
        "contract_rate": rate(0.9),
        "n_cases_received_ytd": received,
        "n_cases_closed_ytd": closed,
        "open_cases": open_cases,
        "open_cases_over_30d": min(open_cases, rng.randint(0, base["backlog"])),
        "days_to_close": 8 + base["backlog"] * 3 + rng.uniform(-2, 4),
    }


PROFILES = {  # districts that differ the way real ones do: one lags on real-name, one on cases, one on money
    LICHENG: {"projects": 18, "rn": 0.95, "attendance": 88, "staff": 0.72, "compliance": 0.90, "backlog": 1},
    FENGZE: {"projects": 41, "rn": 0.90, "attendance": 96, "staff": 0.66, "compliance": 0.86, "backlog": 2},
    LUOJIANG: {"projects": 12, "rn": 0.78, "attendance": 61, "staff": 0.48, "compliance": 0.74, "backlog": 1},
    JINJIANG: {"projects": 57, "rn": 0.87, "attendance": 79, "staff": 0.58, "compliance": 0.80, "backlog": 4},
    NANAN: {"projects": 33, "rn": 0.92, "attendance": 84, "staff": 0.63, "compliance": 0.68, "backlog": 2},
    HUIAN: {"projects": 26, "rn": 0.93, "attendance": 90, "staff": 0.70, "compliance": 0.88, "backlog": 0},
    SHISHI: {"projects": 21, "rn": 0.96, "attendance": 83, "staff": 0.61, "compliance": 0.84, "backlog": 1},
}


def _with_rates(df: pl.DataFrame, settings: Settings) -> pl.DataFrame:
    """The pooled rates and target shares the SQL derives from the counts."""
    t = settings.indicators
    days = pl.col("n_working_days").cast(pl.Float64)
    return df.with_columns(
        rn_update_rate=pl.col("n_projects_updated") / pl.col("n_projects_in_scope"),
        pm_onsite_rate=pl.col("n_pm_onsite_days") / days,
        chief_supervisor_onsite_rate=pl.col("n_chief_supervisor_onsite_days") / days,
        key_staff_onsite_rate=(pl.col("n_pm_onsite_days") + pl.col("n_chief_supervisor_onsite_days"))
        / (2 * days),
        case_closure_rate=pl.col("n_cases_closed_ytd") / pl.col("n_cases_received_ytd"),
    ).with_columns(
        rn_update_rate_target_met_share=(pl.col("rn_update_rate") + 0.02).clip(0, 1),
        avg_attendance_target_met_share=(pl.col("avg_attendance") / 100).clip(0, 1),
        key_staff_onsite_rate_target_met_share=pl.col("key_staff_onsite_rate").clip(0, 1),
        case_closure_rate_target_met_share=(pl.col("case_closure_rate") >= t.target_case_closure_rate).cast(
            pl.Float64
        ),
    )


@cache
def area_month() -> pl.DataFrame:
    """13 months × seven 泉州 districts, the city ('ALL') and 'UNKNOWN', with the SQL's columns and types."""
    schema = real_indicator_frames()[0].schema
    rng = random.Random(20250731)
    months = [f"{2024 + (6 + k) // 12}-{(6 + k) % 12 + 1:02d}" for k in range(13)]  # 2024-07 … 2025-07
    rows = [
        {"area_code": area, "month": m, "month_index": 2024 * 12 + 7 + k} | _district_month(rng, base, k)
        for area, base in PROFILES.items()
        for k, m in enumerate(months)
    ]
    districts = pl.DataFrame(rows)
    counts = [
        c for c in districts.columns if c.startswith("n_") or c in ("open_cases", "open_cases_over_30d")
    ]
    means = [
        c for c in districts.columns if c not in counts and c not in ("area_code", "month", "month_index")
    ]
    city = districts.group_by("month", "month_index").agg(
        pl.lit("ALL").alias("area_code"),
        *(pl.col(c).sum() for c in counts),
        *(pl.col(c).mean() for c in means),
    )
    unknown = pl.DataFrame(
        {"area_code": "UNKNOWN", "month": months, "month_index": [2024 * 12 + 7 + k for k in range(13)]}
    ).with_columns(n_cases_received_ytd=pl.lit(2), n_cases_closed_ytd=pl.lit(1), open_cases=pl.lit(1))
    df = _with_rates(
        pl.concat([districts, city.select(districts.columns)], how="vertical_relaxed"), Settings()
    )
    df = pl.concat([df, unknown], how="diagonal_relaxed")
    df = df.sort("area_code", "month").with_columns(
        (pl.col(c) - pl.col(c).shift(1).over("area_code")).alias(f"{c}_mom")
        for c in ("rn_update_rate", "avg_attendance", "key_staff_onsite_rate")
    )
    filled = {c: (pl.lit(0) if c.startswith("n_") else pl.lit(None)) for c in schema if c not in df.columns}
    return df.with_columns(v.alias(c) for c, v in filled.items()).select(
        pl.col(c).fill_null(0).cast(t) if c.startswith("n_") else pl.col(c).cast(t) for c, t in schema.items()
    )


@cache
def ranking() -> pl.DataFrame:
    """The real rpt_area_ranking model run over area_month()."""
    con = connect()
    months = area_month()  # noqa: F841 - read by DuckDB below
    con.execute("create table indicator_area_month as select * from months")
    run_models(con, sql_params(Settings(), AS_OF), only=["rpt_area_ranking"])
    return frame(con, "select * from rpt_area_ranking")
