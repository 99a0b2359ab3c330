"""The warning list: rule firings and risk scores → one line per project with level, reasons and changes.

Levels (warnings.md): red if a red rule fires or the score is in the top `red_top_share` of in-scope projects;
orange for an orange rule or the top `orange_top_share`; yellow for a yellow rule or the top `yellow_top_share`.
Score shares only count when the score comes from the trained model: the rules fallback ranks by the rules
themselves, so it cannot add a line the rules did not (docs/decisions.md).
"""

from __future__ import annotations

from datetime import date

import polars as pl

from pipelines.settings import Settings
from pipelines.warnings.catalogue import catalogue
from pipelines.warnings.schema import LEVELS, RESOLVED_SCHEMA, WARNING_SCHEMA

_SEVERITY = {level: i for i, level in enumerate(LEVELS)}  # red 0 (most urgent) … yellow 2
LEVEL_ZH = {"red": "红色", "orange": "橙色", "yellow": "黄色"}


def score_levels(scores: pl.DataFrame, settings: Settings) -> pl.DataFrame:
    """project_code, score, score_top_share, score_level (null below the yellow share or for fallback scores)."""
    s = settings.score
    n = max(scores.height, 1)
    ranked = scores.sort(["score", "project_code"], descending=[True, False], nulls_last=True).with_columns(
        score_top_share=(pl.int_range(1, pl.len() + 1) / n).cast(pl.Float64)
    )
    from_model = pl.col("score_source") == "model"
    share = pl.col("score_top_share")
    return ranked.with_columns(
        score_level=pl.when(from_model & pl.col("score").is_not_null() & (share <= s.red_top_share))
        .then(pl.lit("red"))
        .when(from_model & pl.col("score").is_not_null() & (share <= s.orange_top_share))
        .then(pl.lit("orange"))
        .when(from_model & pl.col("score").is_not_null() & (share <= s.yellow_top_share))
        .then(pl.lit("yellow"))
        .otherwise(pl.lit(None, dtype=pl.Utf8))
    )


def _rule_summary(firings: pl.DataFrame) -> pl.DataFrame:
    """One row per project: fired rule ids (most severe first), their reasons and advice, the rules' level."""
    rules = catalogue()
    f = firings.with_columns(
        severity=pl.col("level").replace_strict(_SEVERITY, return_dtype=pl.Int8),
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
        reasons=pl.col("reason_line").str.join("；"),
        suggested_checks=pl.col("advice").unique(maintain_order=True).str.join("；"),
        rule_level=pl.col("severity").min(),
        top_rule=pl.col("rule_id").first(),
    )


def assemble_warnings(
    firings: pl.DataFrame,
    scores: pl.DataFrame,
    projects: pl.DataFrame,
    previous: pl.DataFrame | None,
    settings: Settings,
    as_of: date,
) -> pl.DataFrame:
    """This run's warning lines (WARNING_SCHEMA), ordered and ranked: level, then score, then project code."""
    by_rules = _rule_summary(firings) if firings.height else _empty_rule_summary()
    scored = score_levels(scores, settings) if scores.height else _empty_scores()
    lines = by_rules.join(scored, on="project_code", how="full", coalesce=True)
    score_sev = pl.col("score_level").replace_strict(_SEVERITY, default=None, return_dtype=pl.Int8)
    lines = lines.with_columns(severity=pl.min_horizontal("rule_level", score_sev)).filter(
        pl.col("severity").is_not_null()
    )
    rules_by_level = pl.col("rule_level") == pl.col("severity")
    share_pct = (pl.col("score_top_share") * 100).round(1)
    lines = lines.with_columns(
        level=pl.col("severity").replace_strict(dict(enumerate(LEVELS)), return_dtype=pl.Utf8),
        rules=pl.col("rules").fill_null(pl.lit([], dtype=pl.List(pl.Utf8))),
        level_basis=pl.when(rules_by_level)
        .then(
            pl.format(
                "{}规则{}",
                pl.col("severity").replace_strict(
                    {i: LEVEL_ZH[v] for i, v in enumerate(LEVELS)}, return_dtype=pl.Utf8
                ),
                pl.col("top_rule"),
            )
        )
        .otherwise(pl.format("风险分列在管项目前{}%", share_pct)),
        reasons=pl.when(pl.col("reasons").is_not_null())
        .then(pl.col("reasons"))
        .otherwise(pl.format("风险分列在管项目前{}%，主要因素：{}", share_pct, pl.col("factors_zh"))),
        suggested_checks=pl.col("suggested_checks").fill_null(
            "核查专户人工费拨付、工资发放和考勤情况，评估欠薪风险"
        ),
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
    lines = lines.join(info, on="project_code", how="left")
    lines = _against_previous(lines, previous)
    lines = lines.sort(
        ["severity", "score", "project_code"], descending=[False, True, False], nulls_last=True
    ).with_columns(
        as_of=pl.lit(as_of, dtype=pl.Date),
        rank=pl.int_range(1, pl.len() + 1, dtype=pl.Int32),
        factors=pl.col("factors_zh"),
    )
    return lines.select([pl.col(c).cast(t) for c, t in WARNING_SCHEMA.items()])


def _against_previous(lines: pl.DataFrame, previous: pl.DataFrame | None) -> pl.DataFrame:
    """is_new, change and previous_level against the previous run's list."""
    if previous is None or previous.height == 0:
        return lines.with_columns(
            is_new=pl.lit(True),
            change=pl.lit("new"),
            previous_level=pl.lit(None, dtype=pl.Utf8),
        )
    prev = previous.select("project_code", pl.col("level").alias("previous_level"))
    prev_sev = pl.col("previous_level").replace_strict(_SEVERITY, default=None, return_dtype=pl.Int8)
    return lines.join(prev, on="project_code", how="left").with_columns(
        is_new=pl.col("previous_level").is_null(),
        change=pl.when(pl.col("previous_level").is_null())
        .then(pl.lit("new"))
        .when(pl.col("severity") < prev_sev)
        .then(pl.lit("escalated"))
        .when(pl.col("severity") > prev_sev)
        .then(pl.lit("de-escalated"))
        .otherwise(pl.lit("unchanged")),
    )


def resolved(previous: pl.DataFrame, current: pl.DataFrame, as_of: date | None = None) -> pl.DataFrame:
    """Projects on the previous list that left this one (RESOLVED_SCHEMA)."""
    as_of = as_of or (current["as_of"].max() if current.height else None)
    gone = previous.join(current.select("project_code"), on="project_code", how="anti")
    return gone.select(
        pl.lit(as_of, dtype=pl.Date).alias("as_of"),
        "project_code",
        "project_name",
        "area_code",
        pl.col("level").alias("previous_level"),
        pl.col("rules").alias("previous_rules"),
    ).select([pl.col(c).cast(t) for c, t in RESOLVED_SCHEMA.items()])


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
            "score_top_share": pl.Float64,
            "score_level": pl.Utf8,
        }
    )
