"""The two lists of triage.md: the 核查清单 (where to send people) and the 整改清单 (what to fix by notice).

- Inspection list, per district at capacity (`max(list_capacity_min, ceil(list_capacity_share × projects in risk
  scope))`, or the district's `list_capacity`): lines still awaiting a 核查 result stay on it (overdue first), and
  it is topped up with the highest-scored projects without an open line. Projects with hard evidence of wages owed
  and overdue (R03, R16, or R05 with money still owed) always make it, above capacity if need be.
- Level from the calibrated probability of a (new) arrears event in the horizon for every line (red ≥ p_red,
  orange ≥ p_orange, yellow otherwise); a hard-evidence line is listed whatever its level, and its 等级依据 says
  so first. With the rules fallback (no usable model) there is no probability: red = hard evidence, orange =
  another red or orange rule, yellow otherwise, ranked by the rules signal.
- Rules are the reasons and evidence on a line; they do not by themselves put a project on the inspection list.
- Rectification list: projects with a rectification rule (R11, R12, R01, R02, R09) firing, one line per project.
- A line keeps its `warning_id` across nights until a disposition closes it (outcome 03/04 at the 核查 date,
  01/02 at its closed_date, in between it is in 整改跟踪); a project that leaves risk scope is out_of_scope.
"""

from __future__ import annotations

import math
from datetime import date

import polars as pl

from pipelines.reports import labels_zh as zh
from pipelines.settings import Settings
from pipelines.warnings.catalogue import catalogue
from pipelines.warnings.schema import LEVELS, PROJECT_RISK_SCHEMA, WARNING_SCHEMA

_SEVERITY = {level: i for i, level in enumerate(LEVELS)}  # red 0 (most urgent) … yellow 2
LIST_PREFIX = {"inspection": "HC", "rectification": "ZG"}  # 核查 / 整改
CLOSING_OUTCOMES = ("03", "04")  # 不属实, 无法核实: closed at the 核查 date
TRACKING_OUTCOMES = ("01", "02")  # 属实: 整改跟踪 until closed_date
MAX_FACTORS = 3

_OWED_SCHEMA = {
    "project_code": pl.Utf8,
    "owed_yuan": pl.Float64,
    "workers_owed": pl.Int32,
    "owed_months": pl.Utf8,
    "late_paid_yuan": pl.Float64,
    "late_months": pl.Utf8,
    "unpaid_workers": pl.Int32,
    "unpaid_months": pl.Utf8,
}
_DISPOSITION_SCHEMA = {
    "warning_id": pl.Utf8,
    "outcome": pl.Utf8,
    "inspect_date": pl.Date,
    "closed_date": pl.Date,
}


def warning_id(list_name: str, warning_date: pl.Expr, project_code: pl.Expr) -> pl.Expr:
    """'HC-20251226-<project_code>': the list, the night it opened and the project (stable across nights)."""
    return pl.format(
        "{}-{}-{}", pl.lit(LIST_PREFIX[list_name]), warning_date.dt.strftime("%Y%m%d"), project_code
    )


def capacity(n_in_scope: int, area_code: str | None, settings: Settings) -> int:
    """A district's inspection capacity this cycle (triage.md)."""
    t = settings.triage
    if area_code is not None and area_code in t.list_capacity:
        return int(t.list_capacity[area_code])
    return max(t.list_capacity_min, math.ceil(t.list_capacity_share * n_in_scope))


def owed_reason(
    owed_yuan: float, workers: int, months: str | None, late_yuan: float, late: str | None
) -> str:
    """The honest amount: owed now (and by how many workers) apart from what was paid late."""
    parts = []
    if owed_yuan > 1:
        parts.append(zh.OWED_NOW.format(wan=owed_yuan / 1e4, n=workers, months=months or ""))
    if late_yuan > 1:
        parts.append(zh.PAID_LATE.format(wan=late_yuan / 1e4, months=late or ""))
    return "，".join(parts)


def _rule_summary(firings: pl.DataFrame, owed: pl.DataFrame) -> pl.DataFrame:
    """One row per project: fired rule ids (most severe first), their evidence and advice, the rules' level.

    R05's own text states the pay month's shortfall at its make-good deadline, which reads as unpaid when the wages
    were paid late since; it is replaced by the amount owed now and the amount paid late."""
    rules = catalogue()
    f = firings.join(owed, on="project_code", how="left").with_columns(
        severity=pl.col("level").replace_strict(_SEVERITY, return_dtype=pl.Int8),
        reason_zh=pl.when((pl.col("rule_id") == "R05") & pl.col("owed_yuan").is_not_null())
        .then(
            pl.struct(
                "owed_yuan", "workers_owed", "owed_months", "late_paid_yuan", "late_months"
            ).map_elements(
                lambda r: owed_reason(
                    r["owed_yuan"] or 0.0,
                    r["workers_owed"] or 0,
                    r["owed_months"],
                    r["late_paid_yuan"] or 0.0,
                    r["late_months"],
                ),
                return_dtype=pl.Utf8,
            )
        )
        .otherwise(pl.col("reason_zh")),
    )
    f = f.with_columns(
        reason_line=pl.format(
            "{}{}：{}",
            pl.col("rule_id"),
            pl.col("rule_id").map_elements(
                lambda r: f" {rules[r].name}" if r in rules else "", return_dtype=pl.Utf8
            ),
            pl.col("reason_zh"),
        ),
        advice=pl.col("rule_id").map_elements(
            lambda r: rules[r].suggested_check if r in rules else "", return_dtype=pl.Utf8
        ),
    ).sort(["project_code", "severity", "rule_id"])
    return f.group_by("project_code", maintain_order=True).agg(
        rules=pl.col("rule_id").unique(maintain_order=True),
        reasons=pl.col("reason_line").str.join(zh.LIST_SEPARATOR),
        suggested_checks=pl.col("advice").unique(maintain_order=True).str.join(zh.LIST_SEPARATOR),
        rule_level=pl.col("severity").min(),
        top_rule=pl.col("rule_id").first(),
    )


def _factors(text: pl.Expr) -> pl.Expr:
    """At most three factors (the model names them most important first)."""
    return text.str.split(zh.LIST_SEPARATOR).list.head(MAX_FACTORS).list.join(zh.LIST_SEPARATOR)


def _joined_risk(
    firings: pl.DataFrame,
    scores: pl.DataFrame,
    projects: pl.DataFrame,
    owed: pl.DataFrame,
    scope: list[str] | None,
) -> pl.DataFrame:
    """Scores, rule summary, owed amounts and project facts on one row per project; who is in risk scope and
    where the score comes from (model, rules_fallback, or not_scored: in the rules' scope but not the model's)."""
    by_rules = _rule_summary(firings, owed) if firings.height else _empty_rule_summary()
    scored = scores if scores.height else _empty_scores()
    risk = scored.join(by_rules, on="project_code", how="full", coalesce=True).join(
        owed, on="project_code", how="left"
    )
    info = projects.select(
        "project_code",
        pl.col("name").alias("project_name"),
        "area_code",
        "contractor_corp_code",
        "contractor_corp_name",
        "build_corp_code",
        "build_corp_name",
    )
    if scope is not None:
        unscored = pl.DataFrame({"project_code": sorted(set(scope) - set(risk["project_code"].to_list()))})
        risk = pl.concat([risk, unscored], how="diagonal_relaxed")
    in_scope = pl.col("score").is_not_null()
    if scope is not None:
        in_scope = in_scope | pl.col("project_code").is_in(list(scope))
    return risk.join(info, on="project_code", how="left").with_columns(
        rules=pl.col("rules").fill_null(pl.lit([], dtype=pl.List(pl.Utf8))),
        in_risk_scope=in_scope,
        score_source=pl.when(pl.col("score").is_null() & in_scope)
        .then(pl.lit("not_scored"))
        .otherwise(pl.col("score_source").fill_null("rules_fallback")),
        owed_yuan=pl.col("owed_yuan").fill_null(0.0),
        workers_owed=pl.col("workers_owed").fill_null(0).cast(pl.Int32),
        late_paid_yuan=pl.col("late_paid_yuan").fill_null(0.0),
        unpaid_workers=pl.col("unpaid_workers").fill_null(0).cast(pl.Int32),
    )


def _hard_evidence_now(settings: Settings) -> dict[str, pl.Expr]:
    """Per hard-evidence rule, whether it makes the project hard evidence NOW (money owed and overdue): R05 only
    while an amount is still owed, R03 only while a worked month still has no pay line at all (paid late since is
    late payment, not arrears); R16 judges leavers to date. A rule not in hard_evidence_rules never does."""
    hard_rules = settings.triage.hard_evidence_rules
    fired = {r: pl.col("rules").list.contains(r) & (r in hard_rules) for r in ("R03", "R05", "R16")}
    return {
        "R05": fired["R05"] & (pl.col("owed_yuan") > 1),
        "R03": fired["R03"] & (pl.col("unpaid_workers") > 0),
        "R16": fired["R16"],
    }


_FROM_MODEL = (pl.col("score_source") == "model") & pl.col("score").is_not_null()


def _with_level(risk: pl.DataFrame, settings: Settings, hard_now: dict[str, pl.Expr]) -> pl.DataFrame:
    """hard_evidence, and severity (0 red … 2 yellow): from the model's probability when it scored the project,
    else from the rules (hard evidence red, another red or orange rule orange, yellow otherwise)."""
    t = settings.triage
    hard = hard_now["R05"] | hard_now["R03"] | hard_now["R16"]
    by_score = (
        pl.when(pl.col("score") >= t.p_red)
        .then(pl.lit(0, dtype=pl.Int8))
        .when(pl.col("score") >= t.p_orange)
        .then(pl.lit(1, dtype=pl.Int8))
        .otherwise(pl.lit(2, dtype=pl.Int8))
    )
    by_rules_only = (
        pl.when(pl.col("rule_level").fill_null(9) <= 1)
        .then(pl.lit(1, dtype=pl.Int8))
        .otherwise(pl.lit(2, dtype=pl.Int8))
    )
    risk = risk.with_columns(
        hard_evidence=hard.fill_null(False),
        # a worked month with no pay line at all has no amount on record, but its workers are owed: at least them
        workers_owed=pl.max_horizontal("workers_owed", "unpaid_workers").cast(pl.Int32),
    )
    by_fallback = pl.when(pl.col("hard_evidence")).then(pl.lit(0, dtype=pl.Int8)).otherwise(by_rules_only)
    return risk.with_columns(severity=pl.when(_FROM_MODEL).then(by_score).otherwise(by_fallback))


def _level_basis(settings: Settings, hard_now: dict[str, pl.Expr]) -> pl.Expr:
    """等级依据: the hard-evidence rule first when there is one, then the probability and its band, or why there
    is none (not scored, rules fallback)."""
    t = settings.triage
    hard_rule = (  # the rule that makes it hard evidence now
        pl.when(hard_now["R05"])
        .then(pl.lit("R05"))
        .when(hard_now["R03"])
        .then(pl.lit("R03"))
        .otherwise(pl.lit("R16"))
    )
    bands = {
        0: zh.BASIS_BAND["red"].format(p=round(t.p_red * 100)),
        1: zh.BASIS_BAND["orange"].format(p=round(t.p_orange * 100)),
        2: zh.BASIS_BAND["yellow"].format(p=round(t.p_orange * 100)),
    }
    score_basis = pl.format(
        zh.BASIS_SCORE,
        ((pl.col("score") * 1000 + 1e-9).floor() / 10).round(
            1
        ),  # floored: 19.96 % never reads "20 %，低于20 %"
        pl.col("severity").replace_strict(bands, return_dtype=pl.Utf8),
    )
    own_basis = (
        pl.when(_FROM_MODEL)
        .then(score_basis)
        .when(pl.col("score_source") == "not_scored")
        .then(pl.lit(zh.BASIS_NOT_SCORED))
        .otherwise(pl.lit(zh.BASIS_RULES))
    )
    return (
        pl.when(pl.col("hard_evidence"))
        .then(pl.format("{}{}{}", pl.format(zh.BASIS_HARD, hard_rule), pl.lit(zh.LIST_SEPARATOR), own_basis))
        .otherwise(own_basis)
    )


def risk_frame(
    firings: pl.DataFrame,
    scores: pl.DataFrame,
    projects: pl.DataFrame,
    settings: Settings,
    owed: pl.DataFrame | None = None,
    scope: list[str] | None = None,
) -> pl.DataFrame:
    """One row per project in risk scope: score, rules, evidence, owed amounts, level, hard evidence.

    `scope` is the rules' risk scope (rule_scope): its projects that the model does not score (完工, 停工, past their
    planned completion: outside the model's training population) are in risk scope without a probability, levelled
    by the rules like the fallback (score_source `not_scored`)."""
    risk = _joined_risk(firings, scores, projects, _conform(owed, _OWED_SCHEMA), scope)
    hard_now = _hard_evidence_now(settings)
    risk = _with_level(risk, settings, hard_now)
    return risk.with_columns(
        level=pl.col("severity").replace_strict(dict(enumerate(LEVELS)), return_dtype=pl.Utf8),
        level_basis=_level_basis(settings, hard_now),
        factors=pl.when(_FROM_MODEL)
        .then(_factors(pl.col("factors_zh")))
        .otherwise(pl.lit(None, dtype=pl.Utf8)),
        reasons=pl.coalesce(pl.col("reasons"), pl.lit(zh.NO_RULE_REASON)),
        suggested_checks=pl.col("suggested_checks").fill_null(zh.DEFAULT_CHECK),
    )


def _latest_dispositions(dispositions: pl.DataFrame | None, as_of: date) -> pl.DataFrame:
    d = _conform(dispositions, _DISPOSITION_SCHEMA).filter(pl.col("inspect_date") <= as_of)
    return d.sort("warning_id", "inspect_date").group_by("warning_id", maintain_order=True).last()


def _with_returns(prev: pl.DataFrame, disp: pl.DataFrame) -> pl.DataFrame:
    """The latest return wins; a line keeps its last known outcome when tonight's returns do not mention it."""
    return (
        prev.join(disp, on="warning_id", how="left", suffix="_new")
        .with_columns(
            [
                pl.when(pl.col("outcome_new").is_not_null())
                .then(pl.col(f"{c}_new"))
                .otherwise(pl.col(c))
                .alias(c)
                for c in ("outcome", "inspect_date", "closed_date")
            ]
        )
        .drop("outcome_new", "inspect_date_new", "closed_date_new")
    )


def _with_status(prev: pl.DataFrame, in_scope: set[str], as_of: date) -> pl.DataFrame:
    """Each previous open line tonight: closed (03/04 at the 核查 date, 01/02 at its closed_date), out_of_scope
    (its project left risk scope: closed tonight), or still open."""
    closes = pl.col("outcome").is_in(CLOSING_OUTCOMES) | (
        pl.col("outcome").is_in(TRACKING_OUTCOMES) & (pl.col("closed_date") <= as_of)
    )
    return prev.with_columns(
        status=pl.when(closes)
        .then(pl.lit("closed"))
        .when(~pl.col("project_code").is_in(list(in_scope)))
        .then(pl.lit("out_of_scope"))
        .otherwise(pl.lit("open")),
        closed_date=pl.when(closes)
        .then(
            pl.when(pl.col("outcome").is_in(CLOSING_OUTCOMES))
            .then(pl.col("inspect_date"))
            .otherwise(pl.col("closed_date"))
        )
        .when(~pl.col("project_code").is_in(list(in_scope)))
        .then(pl.lit(as_of))
        .otherwise(pl.lit(None, dtype=pl.Date)),
    )


def _ended_lines(prev: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """The lines that closed or went out of scope tonight, as tonight's rows (no rank, stage or overdue)."""
    return prev.filter(pl.col("status") != "open").with_columns(
        as_of=pl.lit(as_of, dtype=pl.Date),
        change=pl.col("status").replace_strict({"closed": "closed", "out_of_scope": "out_of_scope"}),
        previous_level=pl.col("level"),
        is_new=pl.lit(False),
        rank=pl.lit(None, dtype=pl.Int32),
        stage=pl.lit(None, dtype=pl.Utf8),
        overdue=pl.lit(False),
    )


def _cooling(
    prev: pl.DataFrame, closed_recently: list[str] | dict[str, tuple[float | None, int | None]] | None
) -> dict[str, tuple[float | None, int | None]]:
    """Project → (owed_yuan, workers_owed) when its inspection line closed: lately (from the ledger; a plain list
    means nothing known owed then) or tonight."""
    cooling: dict[str, tuple[float | None, int | None]] = (
        dict(closed_recently)
        if isinstance(closed_recently, dict)
        else dict.fromkeys(closed_recently or [], (0.0, 0))
    )
    for code, owed_at, workers_at in (
        prev.filter((pl.col("list") == "inspection") & (pl.col("status") == "closed"))
        .select("project_code", "owed_yuan", "workers_owed")
        .iter_rows()
    ):
        cooling[code] = (owed_at, workers_at)
    return cooling


def assemble_warnings(
    firings: pl.DataFrame,
    scores: pl.DataFrame,
    projects: pl.DataFrame,
    previous: pl.DataFrame | None,
    settings: Settings,
    as_of: date,
    owed: pl.DataFrame | None = None,
    dispositions: pl.DataFrame | None = None,
    closed_recently: list[str] | dict[str, tuple[float | None, int | None]] | None = None,
    scope: list[str] | None = None,
) -> pl.DataFrame:
    """Tonight's lines (WARNING_SCHEMA): open lines of both lists, plus the lines closed or out of scope tonight.

    `previous` is the previous night's `warning` rows; `dispositions` the loaded returns (warning_id, outcome,
    inspect_date, closed_date); `closed_recently` the projects whose inspection line closed within
    relist_after_days before tonight (from the ledger), with what was owed (yuan, workers) on the closed line: they
    come back only on hard evidence that grew since."""
    risk = risk_frame(firings, scores, projects, settings, owed, scope)
    prev = _conform(previous, WARNING_SCHEMA).filter(pl.col("status") == "open")
    prev = _with_returns(prev, _latest_dispositions(dispositions, as_of))
    in_scope = set(risk.filter(pl.col("in_risk_scope"))["project_code"].to_list())
    prev = _with_status(prev, in_scope, as_of)
    carried = prev.filter(pl.col("status") == "open").select(
        "warning_id",
        "warning_date",
        "list",
        "project_code",
        "outcome",
        "inspect_date",
        "closed_date",
        pl.col("level").alias("previous_level"),
    )
    inspection = _inspection_lines(
        risk, carried.filter(pl.col("list") == "inspection"), settings, as_of, _cooling(prev, closed_recently)
    )
    rectification = _rectification_lines(
        risk, carried.filter(pl.col("list") == "rectification"), settings, as_of
    )
    lines = pl.concat([_shape(inspection, as_of), _shape(rectification, as_of)], how="vertical_relaxed")
    out = pl.concat([lines, _conform(_ended_lines(prev, as_of), WARNING_SCHEMA)], how="vertical_relaxed")
    return out.select([pl.col(c).cast(tp) for c, tp in WARNING_SCHEMA.items()])


def _with_carried(
    candidates: pl.DataFrame, carried: pl.DataFrame, list_name: str, as_of: date
) -> pl.DataFrame:
    """Candidates joined to their open line, or given a new line id opened tonight."""
    joined = candidates.join(carried.drop("list"), on="project_code", how="left")
    return joined.with_columns(
        is_new=pl.col("warning_id").is_null(),
        warning_date=pl.coalesce(pl.col("warning_date"), pl.lit(as_of, dtype=pl.Date)),
    ).with_columns(
        warning_id=pl.coalesce(
            pl.col("warning_id"), warning_id(list_name, pl.col("warning_date"), pl.col("project_code"))
        ),
        list=pl.lit(list_name),
    )


def _district_slots(scope: pl.DataFrame, settings: Settings) -> pl.DataFrame:
    """Per district: its inspection capacity and how far hard evidence may go above it (hard_extra:
    hard_evidence_extra_share of the district's risk scope)."""
    return (
        scope.group_by("area_code")
        .len("n_in_scope")
        .with_columns(
            capacity=pl.struct("area_code", "n_in_scope").map_elements(
                lambda r: capacity(r["n_in_scope"], r["area_code"], settings), return_dtype=pl.Int32
            ),
            hard_extra=(pl.col("n_in_scope") * settings.triage.hard_evidence_extra_share)
            .ceil()
            .cast(pl.Int32),
        )
        .select("area_code", "capacity", "hard_extra")
    )


def _eligible(risk: pl.DataFrame, cooling: dict[str, tuple[float | None, int | None]]) -> pl.DataFrame:
    """The projects in risk scope that may be listed: a project whose line closed lately comes back only on hard
    evidence that grew since (more owed, or more workers owed, than when the line closed): a line found 不属实 is
    not re-listed for the same evidence."""
    cooled = pl.DataFrame(
        {
            "project_code": list(cooling),
            "_closed_owed": [float(v[0] or 0.0) for v in cooling.values()],
            "_closed_workers": [int(v[1] or 0) for v in cooling.values()],
        },
        schema={"project_code": pl.Utf8, "_closed_owed": pl.Float64, "_closed_workers": pl.Int64},
    )
    risk = risk.join(cooled, on="project_code", how="left")
    grew = pl.col("hard_evidence") & (
        (pl.col("owed_yuan") > pl.col("_closed_owed") + 1)
        | (pl.col("workers_owed") > pl.col("_closed_workers"))
    )
    eligible = pl.col("in_risk_scope") & (pl.col("_closed_owed").is_null() | grew)
    return risk.filter(eligible).drop("_closed_owed", "_closed_workers")


_AWAITING_OPEN = ~pl.col("is_new") & (
    pl.col("stage") == "awaiting"
)  # an open line still awaiting a 核查 result


def _in_priority_order(lines: pl.DataFrame, settings: Settings, as_of: date) -> pl.DataFrame:
    """Stage (awaiting or 整改跟踪) and overdue on each line; sorted within the district by priority: open lines
    awaiting a result (overdue first), then hard evidence (most workers owed, then the amount owed), then score."""
    lines = lines.with_columns(
        stage=pl.when(pl.col("outcome").is_in(TRACKING_OUTCOMES))
        .then(pl.lit("tracking"))
        .otherwise(pl.lit("awaiting")),
        overdue=~pl.col("is_new")
        & pl.col("outcome").is_null()
        & (
            (pl.lit(as_of, dtype=pl.Date) - pl.col("warning_date")).dt.total_days()
            > settings.triage.review_deadline_days
        ),
    )
    return (
        lines.with_columns(
            _priority=pl.when(_AWAITING_OPEN & pl.col("overdue"))
            .then(0)
            .when(_AWAITING_OPEN)
            .then(1)
            .when(pl.col("hard_evidence"))
            .then(2)
            .otherwise(3)
        )
        .with_columns(  # hard evidence: most workers owed first, then the amount owed; the rest by score
            _w=pl.when(pl.col("_priority") == 2).then(pl.col("workers_owed")),
            _o=pl.when(pl.col("_priority") == 2).then(pl.col("owed_yuan")),
        )
        .sort(
            ["area_code", "_priority", "_w", "_o", "score", "project_code"],
            descending=[False, False, True, True, True, False],
            nulls_last=True,
        )
    )


def _listed(lines: pl.DataFrame) -> pl.DataFrame:
    """The awaiting lines that get a slot, ranked within the district (most severe, then highest score first).

    Open lines awaiting a result keep theirs; hard evidence takes slots first and may go above capacity by
    hard_extra; hard evidence beyond that is not dropped: it is on the 欠薪线索 sheet (arrears_leads)."""
    listed = (
        lines.filter(pl.col("stage") == "awaiting")
        .with_columns(_slot=pl.int_range(1, pl.len() + 1).over("area_code"))
        .filter(
            _AWAITING_OPEN
            | (pl.col("_slot") <= pl.col("capacity"))
            | (pl.col("hard_evidence") & (pl.col("_slot") <= pl.col("capacity") + pl.col("hard_extra")))
        )
    )
    return listed.sort(
        ["area_code", "severity", "score", "project_code"],
        descending=[False, False, True, False],
        nulls_last=True,
    ).with_columns(rank=pl.int_range(1, pl.len() + 1, dtype=pl.Int32).over("area_code"))


def _inspection_lines(
    risk: pl.DataFrame,
    carried: pl.DataFrame,
    settings: Settings,
    as_of: date,
    cooling: dict[str, tuple[float | None, int | None]],
) -> pl.DataFrame:
    """The inspection list: eligible projects on their (carried or new) line, listed up to the district's slots;
    lines in 整改跟踪 take no slot (they are on their own sheet) and have no rank."""
    slots = _district_slots(risk.filter(pl.col("in_risk_scope")), settings)
    lines = _with_carried(_eligible(risk, cooling), carried, "inspection", as_of)
    lines = _in_priority_order(lines.join(slots, on="area_code", how="left"), settings, as_of)
    tracking = lines.filter(~pl.col("is_new") & (pl.col("stage") == "tracking"))
    tracking = tracking.with_columns(rank=pl.lit(None, dtype=pl.Int32))
    return pl.concat([_listed(lines), tracking], how="diagonal_relaxed")


def _rectification_lines(
    risk: pl.DataFrame, carried: pl.DataFrame, settings: Settings, as_of: date
) -> pl.DataFrame:
    rules = settings.triage.rectification_rules
    fired = pl.col("rules").list.eval(pl.element().is_in(rules)).list.any()
    candidates = risk.filter(
        pl.col("in_risk_scope") & (fired | pl.col("project_code").is_in(carried["project_code"].to_list()))
    )
    lines = _with_carried(candidates, carried, "rectification", as_of)
    return lines.with_columns(
        rank=pl.lit(None, dtype=pl.Int32),
        stage=pl.when(pl.col("outcome").is_in(TRACKING_OUTCOMES))
        .then(pl.lit("tracking"))
        .otherwise(pl.lit("awaiting")),
        overdue=pl.lit(False),
        capacity=pl.lit(None, dtype=pl.Int32),
    )


def _shape(lines: pl.DataFrame, as_of: date) -> pl.DataFrame:
    prev_sev = pl.col("previous_level").replace_strict(_SEVERITY, default=None, return_dtype=pl.Int8)
    return lines.with_columns(
        as_of=pl.lit(as_of, dtype=pl.Date),
        status=pl.lit("open"),
        change=pl.when(pl.col("is_new"))
        .then(pl.lit("new"))
        .when(pl.col("severity") < prev_sev)
        .then(pl.lit("escalated"))
        .when(pl.col("severity") > prev_sev)
        .then(pl.lit("de-escalated"))
        .otherwise(pl.lit("unchanged")),
        previous_level=pl.when(pl.col("is_new"))
        .then(pl.lit(None, dtype=pl.Utf8))
        .otherwise(pl.col("previous_level")),
        score_top_share=pl.lit(None, dtype=pl.Float64),
    ).pipe(lambda df: _conform(df, WARNING_SCHEMA))


def arrears_leads(risk: pl.DataFrame, lines: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """欠薪线索 (WARNING_SCHEMA rows, not lines: no warning_id): projects in risk scope with hard evidence of wages
    owed now that are on neither the 核查清单 nor 整改跟踪 tonight (beyond hard_evidence_extra_share, or cooling
    after a closed line); most workers owed first. What is owed is never dropped from what the inspector sees."""
    on_list = lines.filter((pl.col("list") == "inspection") & (pl.col("status") == "open"))
    leads = risk.filter(
        pl.col("in_risk_scope")
        & pl.col("hard_evidence")
        & ~pl.col("project_code").is_in(on_list["project_code"].to_list())
    ).with_columns(as_of=pl.lit(as_of, dtype=pl.Date), list=pl.lit("lead"), status=pl.lit("open"))
    return _conform(leads, WARNING_SCHEMA).sort(
        ["area_code", "workers_owed", "owed_yuan", "project_code"],
        descending=[False, True, True, False],
        nulls_last=True,
    )


def project_risk(risk_or_inputs: pl.DataFrame, lines: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """`project_risk` (PROJECT_RISK_SCHEMA) from risk_frame's rows and tonight's lines."""
    listed = lines.filter(
        (pl.col("list") == "inspection") & (pl.col("status") == "open") & pl.col("rank").is_not_null()
    )
    r = risk_or_inputs.filter(pl.col("in_risk_scope")).with_columns(
        as_of=pl.lit(as_of, dtype=pl.Date),
        listed=pl.col("project_code").is_in(listed["project_code"].to_list()),
        district_rank=pl.col("score").rank("ordinal", descending=True).over("area_code").cast(pl.Int32),
    )
    return r.sort("area_code", "district_rank").select(
        [pl.col(c).cast(tp) for c, tp in PROJECT_RISK_SCHEMA.items()]
    )


def _conform(frame: pl.DataFrame | None, schema: dict) -> pl.DataFrame:
    if frame is None or frame.width == 0:
        return pl.DataFrame(schema=dict(schema))
    return frame.select(
        pl.col(c).cast(tp) if c in frame.columns else pl.lit(None, dtype=tp).alias(c)
        for c, tp in schema.items()
    )


def _empty_rule_summary() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "project_code": pl.Utf8,
            "rules": pl.List(pl.Utf8),
            "reasons": pl.Utf8,
            "suggested_checks": pl.Utf8,
            "rule_level": pl.Int8,
            "top_rule": pl.Utf8,
        }
    )


def _empty_scores() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "project_code": pl.Utf8,
            "score": pl.Float64,
            "factors_zh": pl.Utf8,
            "score_source": pl.Utf8,
        }
    )
