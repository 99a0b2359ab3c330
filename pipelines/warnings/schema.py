"""Column schemas of the warning list frames that the reports and the `warning` table share."""

from __future__ import annotations

import polars as pl

LEVELS = ("red", "orange", "yellow")  # most urgent first
CHANGES = ("new", "escalated", "de-escalated", "unchanged")

# One row per project on this run's list, ordered by `rank` (level, then score, then project_code).
# The first columns are exactly the `warning` table of indicators.md "Outputs that other tools read".
WARNING_SCHEMA: dict[str, pl.DataType] = {
    "as_of": pl.Date(),
    "project_code": pl.Utf8(),
    "area_code": pl.Utf8(),
    "level": pl.Utf8(),  # red / orange / yellow
    "score": pl.Float64(),  # 0–1 probability of an arrears event within the horizon
    "rules": pl.List(pl.Utf8()),  # rule ids that fired, e.g. ["R01", "R14"]
    "reasons": pl.Utf8(),  # Chinese: each fired rule's evidence, joined by "；"
    "is_new": pl.Boolean(),  # not on the previous run's list
    # display and audit columns
    "rank": pl.Int32(),  # 1 = most urgent, stable for equal inputs
    "project_name": pl.Utf8(),
    "contractor_corp_code": pl.Utf8(),
    "contractor_corp_name": pl.Utf8(),
    "build_corp_code": pl.Utf8(),
    "build_corp_name": pl.Utf8(),
    "score_source": pl.Utf8(),  # "model" or "rules" (fallback when no trained model is present)
    "score_top_share": pl.Float64(),  # the project's score percentile from the top (0.01 = top 1%)
    "level_basis": pl.Utf8(),  # Chinese: why this level, e.g. "红色规则R03" or "风险分前2%"
    "factors": pl.Utf8(),  # Chinese: the model's top contributing factors
    "suggested_checks": pl.Utf8(),  # Chinese: what to check on site, from the fired rules' catalogue entries
    "change": pl.Utf8(),  # new / escalated / de-escalated / unchanged against the previous list
    "previous_level": pl.Utf8(),  # null when new
}

# Projects on the previous list that are not on this one.
RESOLVED_SCHEMA: dict[str, pl.DataType] = {
    "as_of": pl.Date(),
    "project_code": pl.Utf8(),
    "project_name": pl.Utf8(),
    "area_code": pl.Utf8(),
    "previous_level": pl.Utf8(),
    "previous_rules": pl.List(pl.Utf8()),
}

# Workers affected by payroll rules (rule_worker model): masked personal data only.
WORKER_SCHEMA: dict[str, pl.DataType] = {
    "as_of": pl.Date(),
    "project_code": pl.Utf8(),
    "rule_id": pl.Utf8(),
    "id_card_number_masked": pl.Utf8(),
    "worker_name_masked": pl.Utf8(),
    "pay_month": pl.Utf8(),
    "amount_owed_yuan": pl.Float64(),
}
