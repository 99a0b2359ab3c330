"""Typed settings: paths, thresholds from the spec (with their sources), and the personal-data key.

Every threshold a regulator may read differently is here, never a literal in SQL or code. Values can be
overridden by environment variables (`WAGEWATCH_<GROUP>__<NAME>`, e.g. `WAGEWATCH_INDICATORS__VALID_DAY_RULE=pair_4h`)
or by a TOML file named in `WAGEWATCH_SETTINGS_FILE`. Importing this module has no side effects.
"""

from __future__ import annotations

import json
import os
import tomllib
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent

# Clearly a demo value: runs with it are marked as demo in the run summary and the CLI warns.
DEMO_PII_SECRET = "wagewatch-DEMO-ONLY-key-do-not-use-in-production"


def default_memory_limit(share: float = 0.4, cap_gb: int = 12) -> str:
    """DuckDB's memory limit when none is set: 40 % of this machine's RAM, at most 12 GB.

    DuckDB holds to its limit and spills beyond it, but a night also keeps polars frames, the feature matrix and
    the workbooks outside it (≈ 3 GB on the province tier, benchmarks/RESULTS.md "Third round"): a fixed 12 GB
    on a 16 GB server would be killed instead of spilling. 12 GB is what the province tier uses when it may.
    """
    try:
        ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # not a POSIX sysconf: keep the cap
        return f"{cap_gb}GB"
    return f"{max(1, min(cap_gb, int(ram * share / 2**30)))}GB"


class Paths(BaseModel):
    """Where data enters, lives and leaves."""

    data_dir: Path = REPO_ROOT / "data"
    inbox: Path = REPO_ROOT / "data" / "inbox"
    out: Path = REPO_ROOT / "data" / "out"
    warehouse: Path = REPO_ROOT / "data" / "warehouse" / "wagewatch.duckdb"
    model_dir: Path = REPO_ROOT / "models" / "risk" / "artifacts"


class Scope(BaseModel):
    """Which projects count in a month (indicators.md, "Scope")."""

    categories: list[str] = ["01", "02"]  # 01 房屋建筑, 02 市政 only (indicators.md)
    grace_days: int = 30  # attendance duty starts 30 days after builder_license_date (indicators.md default)
    active_status: list[str] = ["003"]  # 在建
    stopped_status: list[str] = ["005"]  # 停工: reported separately, outside denominators


class Indicators(BaseModel):
    """国考 and 条例 indicator settings and targets (indicators.md)."""

    valid_day_rule: Literal["any", "pair_4h"] = "any"  # pair_4h: 吉建规〔2023〕11号, Wuhu
    pair_min_hours: float = 4.0  # pair_4h: first to last punch ≥ 4 h
    target_rn_update_rate: float = 0.90  # 泉州; Shandong full score at 90.28%
    target_avg_attendance: float = 81.0  # 泉州 (> 81); Xi'an 87
    target_pm_onsite_rate: float = 0.60  # 泉州 (> 60%); Jilin, Guangzhou 80%
    target_chief_supervisor_onsite_rate: float = 0.60  # 泉州
    target_key_staff_onsite_rate: float = 0.60  # 泉州
    target_case_closure_rate: float = 0.98  # 泉州
    default_labor_cost_ratio: float = 0.20  # Yinchuan 22%, Hengshan 15%; spec default 0.20
    guarantee_min_share_of_contract: float = 0.10  # 建市〔2019〕68号 adequacy, spec default 10%
    deposit_min_share: float = 0.01  # 人社部发〔2021〕65号: 1%–3% of contract
    deposit_max_share: float = 0.03
    case_overdue_days: int = 30  # 超期未结
    platform_share_meaning: Literal["is_integrated"] = "is_integrated"
    ranking_bottom_n: int = 3  # 临沂-style 通报: bottom three flagged
    firm_complaint_top_n: int = 30  # firm complaint top-30 ladder
    payroll_deadline_months: int = 1  # payroll_on_time_rate: pay month M−1 paid by end of M
    target_open_cases: int = 0  # 动态清零: open cases at month end (indicators.md case indicators)
    kpi_trend_months: int = (
        3  # dashboard: months to target at the average change of the last 3 months (decisions.md)
    )
    kpi_target_horizon_months: int = 36  # dashboard: a target further off than 3 years is "3年内无法达标"
    dashboard_firms_shown: int = 20  # dashboard: the firm table lists the 20 most severe firms (decisions.md)


class Rules(BaseModel):
    """Warning rule parameters (warnings.md); the catalogue itself is pipelines/warnings/catalogue.yaml."""

    r01_red_consecutive_months: int = 2  # Fujian 2018: 2 consecutive
    r01_red_months_in_12: int = 3  # Fujian 2018: 3 cumulative in 12
    r01_lookback_months: int = (
        12  # Fujian 2018: "近12个月累计3个月" (the window r01_red_months_in_12 counts in)
    )
    r03_pay_deadline_months: int = (
        1  # pay month M paid by end of M+1 (gzthsware); R05's make-good starts there
    )
    # spec silent: deadlines passed in the last quarter, and older months never paid (docs/decisions.md)
    r03_lookback_days: int = 92
    r04_lookback_days: int = 92  # spec silent: pay lines of the last quarter (docs/decisions.md)
    r05_makegood_days: int = 30  # shortfall not made good by back pay within 30 days
    # spec silent: make-good periods ended in the last quarter, and older months while still owed (decisions.md)
    r05_lookback_days: int = 92
    owed_tolerance_yuan: float = (
        1.0  # spec silent: R05/R16 and 涉及工人 ignore gaps up to 1 元 (rounding; decisions.md)
    )
    r06_red_unpaid_share: float = 0.10  # > 10% of attendees without a pay line (Guangzhou)
    r07_min_attendance_days: int = 20
    r07_min_wage_yuan: dict[str, float] = Field(default_factory=dict)  # per area_code; falls back to default
    r07_min_wage_default_yuan: float = 1890.0  # e.g. 1,890 元 (warnings.md)
    r08_month_max_yuan: float = 50_000.0  # suspected 代领/套取
    r08_year_max_yuan: float = 300_000.0
    r08_year_months: int = 12  # warnings.md "in a year": the 12 pay months up to the evaluation month
    r09_min_onsite_rate: float = 0.60  # 泉州 60%
    r10_silent_days: int = 7  # Fuzhou "无考勤更新"
    r10_drop_share: float = 0.50  # headcount down > 50% vs previous 4 weeks (Hebei)
    r10_recent_days: int = (
        7  # spec silent: "daily headcount" is the mean of the last 7 days (docs/decisions.md)
    )
    r10_baseline_weeks: int = 4
    # R11 reads Indicators.guarantee_min_share_of_contract (one setting for the indicator and the rule)
    r13_lookback_years: int = 2  # 泉州 "近两年内"
    r13_event_types: list[str] = ["01", "06"]
    r14_verified_lookback_months: int = 12
    r15_payroll_months: int = 3  # Guizhou 专户余额异常: next month's payroll = mean of the last 3 pay months
    r16_settle_days: int = 30  # spec silent: leavers judged 30 days after exit (docs/decisions.md)
    r17_window_minutes: int = 60
    r17_lookback_days: int = 30  # spec silent: punches of the last 30 days are compared (docs/decisions.md)


class Score(BaseModel):
    """Risk score and levels (warnings.md)."""

    horizon_days: int = 60  # label: arrears event within 60 days after as_of
    makegood_days: int = 30
    capacity_share: float = 0.05  # inspector capacity: top 5% of in-scope projects
    red_top_share: float = 0.02
    orange_top_share: float = 0.05
    yellow_top_share: float = 0.10


class OwnHistory(BaseModel):
    """`wagewatch train --warehouse`: fitting the score on the warehouse's own history (triage.md "The model learns
    from the user's own history"; docs/decisions.md "Own-history training")."""

    warmup_months: int = (
        3  # first snapshot 3 months after the first punch: 12-month features need some history
    )
    backtest_month_ends: int = (
        3  # the time-ordered backtest: the latest 3 closed month ends (issue 17: "e.g. last 3")
    )
    min_closed_month_ends: int = 6  # triage.md: fewer than 6 closed month ends keeps the current model
    min_events: int = 30  # triage.md: fewer than 30 events keeps the current model
    precision_share: float = (
        0.05  # precision@5%: the fixed comparison share, beside the list's capacity
    )
    # the baseline "count of rules fired": the first column present wins — rules_fired_count (distinct rules in
    # rule_firing at as_of); rules_signal_score (the same firings weighted by level) for feature frames saved before it
    rules_count_columns: list[str] = ["rules_fired_count", "rules_signal_score"]


class Triage(BaseModel):
    """The two lists and their lifecycle (shared/spec/triage.md; docs/decisions.md "Triage")."""

    # 核查清单 capacity per district and cycle: max(list_capacity_min, ceil(list_capacity_share × projects in risk
    # scope)); list_capacity overrides it per area_code (a district office's real visit capacity)
    list_capacity_share: float = 0.05  # triage.md default 5%
    list_capacity_min: int = 3  # triage.md default: at least 3
    list_capacity: dict[str, int] = Field(default_factory=dict)
    list_cycle_days: int = 7  # triage.md: capacity per 7 days
    # levels from the calibrated probability: chosen on the shipped model's held-out backtest (base rate 18.4%):
    # scores ≥ 0.40 held events ≥ 2× the base rate there, scores 0.20–0.40 about the base rate (decisions.md)
    p_red: float = 0.40
    p_orange: float = 0.20
    hard_evidence_rules: list[str] = [
        "R03",
        "R05",
        "R16",
    ]  # wages owed and overdue: listed first, above capacity if need be (triage.md)
    # spec silent: hard evidence goes above capacity by at most 10% of the district's risk scope (rounded up), most
    # workers owed first; the rest is on the list workbook's 欠薪线索 sheet, never dropped. On the demo world R03/R05/
    # R16 held on 33-40% of projects: listing them all made lists of 28-44% (docs/decisions.md "Triage acceptance")
    hard_evidence_extra_share: float = 0.10
    rectification_rules: list[str] = ["R11", "R12", "R01", "R02", "R09"]  # fixed by notice (triage.md)
    review_deadline_days: int = 15  # 超期未核查 after 15 days without a 核查 result (triage.md default)
    # spec silent: a project whose inspection line was closed (不属实/无法核实/销号) is not re-listed on its score alone
    # within the score's horizon (60 days), only on new hard evidence (docs/decisions.md)
    relist_after_days: int = 60
    risk_tail_days: int = 180  # risk scope: 180 days after the last attendance or status change (triage.md)


class Quality(BaseModel):
    """Data-quality severity and limits: which checks block publication (issue: blocking vs warning)."""

    # check ids (shell-style patterns allowed) whose findings stop the night's lists; every other check only warns.
    # Blocking is for a source as a whole (sources.md "Delivery"): a row without its key is quarantined at load
    # and counts towards quarantine_share; *_key_not_null is a warning-level safety net (docs/decisions.md)
    blocking_checks: list[str] = [
        "file_unreadable_share",  # more than max_unreadable_share of the night's files unreadable
        "quarantine_share",  # more than max_quarantine_share of a source's rows quarantined in the night
        "*_key_unique",  # a staged natural key is repeated: joins fan out, counts double
        "gx_check_errored",  # a check that could not run is not a pass
    ]
    max_quarantine_share: float = 0.05  # more than 5% of a source's rows quarantined blocks publication
    max_unreadable_share: float = 0.25  # spec silent: a quarter of the night's files unreadable blocks
    # spec silent on the next three; our choices:
    project_early_days: int = 30  # work dated up to 30 days before the recorded start is accepted
    project_overrun_days: int = 365  # complete_date is planned; a year of overrun is still plausible
    load_lookback_days: int = 366  # load problems of the last year are reported, older ones are history
    # a file whose name dates it further than this from its extract-date folder is named in the bulletin
    # (file_date_differs_from_folder): a platform naming files by the data's day is a day or two off, not reported
    misfiled_days: int = 3
    # Volume (issue 15 item 6; spec silent, our choices in docs/decisions.md). A source's rows on an extract day
    # (all its files of that day) are compared with the median of its previous deliveries: event sources per day
    # covered (rows not delivered before ÷ days since the source's previous delivery), snapshots per delivery.
    # The findings `volume_low`, `volume_high` and `file_cut_last_line` only warn: add their ids to
    # blocking_checks to make them stop publication.
    volume_history_deliveries: int = 7  # event sources: median of the previous 7 deliveries (about a week)
    # snapshots are registries that grow (a young complaints register doubles in months): the previous 3 only
    volume_snapshot_history_deliveries: int = 3
    volume_min_history: int = 3  # fewer earlier deliveries than this: no comparison (a new source)
    volume_low_ratio: float = (
        0.4  # below 40% of the median: far fewer (the generator's Sundays are about half a weekday)
    )
    volume_high_ratio: float = 2.5  # above 2.5× the median: far more (a doubled or mis-dated export)
    volume_min_rows: int = 20  # sources whose usual delivery is under 20 rows swing by chance: not compared
    # Scope of the GX suites (issue 18 item 2; spec silent, our choices in docs/decisions.md "Checks on what
    # arrived"): a regular night checks only the rows delivered since the last checked night (当日新增); every
    # staged row is re-checked (全量) when this many days have passed since the last full check (a week: a
    # problem in stored rows that only a full check sees waits at most a week; 1 or less = every night) ...
    full_check_every_days: int = 7
    # ... and on a month's last day, so the month's figures (the 国考 indicators, the monthly 数据质量通报 that
    # the next month compares with) rest on fully checked data. First nights, past dates, a night after a
    # blocked one and changed rules are always full (pipelines/quality/scope.py).
    full_check_month_end: bool = True


class Settings(BaseSettings):
    """All settings of one run."""

    model_config = SettingsConfigDict(env_prefix="WAGEWATCH_", env_nested_delimiter="__", extra="ignore")

    pii_secret: str = DEMO_PII_SECRET  # HMAC key for personal data; set WAGEWATCH_PII_SECRET in production
    timezone: str = "Asia/Shanghai"
    # WAGEWATCH_DUCKDB_MEMORY_LIMIT: DuckDB spills to disk beyond it (default_memory_limit: 40 % of RAM, ≤ 12 GB)
    duckdb_memory_limit: str = Field(default_factory=default_memory_limit)
    duckdb_threads: int | None = None
    # Incremental nights (docs/decisions.md "Incremental nights"): the month-partitioned models rebuild only the
    # months a night's new rows touch; False drops the build state and every night rebuilds every model whole.
    incremental_nights: bool = True
    # Rebuild every model whole tonight (and start the build state afresh): `wagewatch run --full-rebuild`.
    full_rebuild: bool = False
    # The city's warning-list workbook (as many rows as all the districts' together) is written by a second process
    # while this one writes the districts' (docs/decisions.md "Reports and overhead, second round"): from this many
    # rows tonight on (list lines + workers owed: `warning` + `rule_worker`); below it the process's start (~1 s of
    # imports) costs more than it saves. 0 = always, a very large number = never.
    reports_parallel_min_rows: int = 2000
    # A night still running this many minutes after it took the warehouse lock is stopped by its watchdog (a second
    # process: a deadlock holding the GIL stops anything inside the night's own): its stacks kept, it and the
    # processes it started killed, its folder kept under OUT/attempts, nothing published (docs/decisions.md "A
    # night's deadline"). 240: 7× the longest night measured (a province's first, 34 min). 0 = no deadline.
    night_deadline_minutes: float = 240.0
    paths: Paths = Paths()
    scope: Scope = Scope()
    indicators: Indicators = Indicators()
    rules: Rules = Rules()
    score: Score = Score()
    triage: Triage = Triage()
    own_history: OwnHistory = OwnHistory()
    quality: Quality = Quality()

    @property
    def pii_key(self) -> bytes:
        return self.pii_secret.encode("utf-8")

    @property
    def is_demo_secret(self) -> bool:
        return self.pii_secret == DEMO_PII_SECRET


@cache
def get_settings() -> Settings:
    """The settings of this process: defaults, then the TOML file in WAGEWATCH_SETTINGS_FILE, then env vars."""
    file = os.environ.get("WAGEWATCH_SETTINGS_FILE")
    overrides = tomllib.loads(Path(file).read_text(encoding="utf-8")) if file else {}
    return Settings(**overrides)


def sql_params(settings: Settings, as_of: object) -> dict[str, object]:
    """Flatten the threshold groups into the variables SQL models read with getvariable('<name>')."""
    # snapshot_dates: the dates the features layer is computed at (feat_snapshot); a night's is its as_of alone
    params: dict[str, object] = {"as_of": as_of, "snapshot_dates": [as_of]}
    for group in (settings.scope, settings.indicators, settings.rules, settings.score, settings.triage):
        for setting, raw in group.model_dump().items():
            # per-area tables (e.g. minimum wages) travel as JSON: json_extract_string(getvariable(..), '$."350502"')
            is_table = isinstance(raw, dict)
            name = f"{setting}_json" if is_table else setting
            value = json.dumps(raw, ensure_ascii=False) if is_table else raw
            if name in params:
                raise ValueError(f"setting {name!r} is defined in two groups; SQL variables must be unique")
            params[name] = value
    return params
