"""Column schemas of the warning list frames that the reports and the `warning` table share."""

from __future__ import annotations

import polars as pl

LEVELS = ("red", "orange", "yellow")  # most urgent first
CHANGES = ("new", "escalated", "de-escalated", "unchanged", "out_of_scope", "closed")
LISTS = ("inspection", "rectification")  # 核查清单, 整改清单 (triage.md)
STATUSES = ("open", "closed", "out_of_scope")

# One row per line per as_of: every line open tonight (both lists) plus the lines that closed or left scope tonight.
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
    "warning_id": pl.Utf8(),  # stable across nights for the same project, list and opening
    "warning_date": pl.Date(),  # the night the line opened
    "list": pl.Utf8(),  # inspection (核查清单) / rectification (整改清单)
    "status": pl.Utf8(),  # open / closed / out_of_scope
    "rank": pl.Int32(),  # 1 = first to visit within the district's inspection list; null off that list
    # display and audit columns
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
    "stage": pl.Utf8(),  # open lines: awaiting (待核查) / tracking (整改跟踪, outcome 01/02 not yet 销号)
    "hard_evidence": pl.Boolean(),  # R03/R05/R16 with wages owed: listed above capacity
    "overdue": pl.Boolean(),  # awaiting a 核查 result past review_deadline_days (超期未核查)
    "owed_yuan": pl.Float64(),  # wages owed now: due − paid to date over pay months past their deadline
    "workers_owed": pl.Int32(),  # workers with wages owed now
    "owed_months": pl.Utf8(),  # the pay months owed, e.g. "2025-09、2025-10"
    "late_paid_yuan": pl.Float64(),  # paid after the deadline (late, not unpaid), pay months due in the last 92 days
    "late_months": pl.Utf8(),  # e.g. "2025-09（11-01补发）"
    "unpaid_months": pl.Utf8(),  # worked months with no pay line at all to date: workers owed, amount unknown
    "capacity": pl.Int32(),  # the district's inspection capacity this cycle
    "outcome": pl.Utf8(),  # the latest disposition outcome (01–04) of the line, null without a return
    "inspect_date": pl.Date(),
    "closed_date": pl.Date(),  # 销号 date (closed) or the night the project left scope (out_of_scope)
}

# One row per project in risk scope per as_of, listed or not (indicators.md `project_risk`).
PROJECT_RISK_SCHEMA: dict[str, pl.DataType] = {
    "as_of": pl.Date(),
    "project_code": pl.Utf8(),
    "area_code": pl.Utf8(),
    "score": pl.Float64(),  # calibrated probability (or the rules ranking, see score_source)
    "rules": pl.List(pl.Utf8()),
    "in_risk_scope": pl.Boolean(),
    "score_source": pl.Utf8(),  # "model" or "rules_fallback"
    "level": pl.Utf8(),  # the level the project would have on the inspection list
    "district_rank": pl.Int32(),  # rank of the score within the district (1 = highest)
    "listed": pl.Boolean(),  # on tonight's inspection list
    "hard_evidence": pl.Boolean(),
    "owed_yuan": pl.Float64(),
    "workers_owed": pl.Int32(),
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
    "also_rule_id": pl.Utf8(),  # R16 too when R05 names the worker-month (one row per worker-month)
    "id_card_number_masked": pl.Utf8(),
    "worker_name_masked": pl.Utf8(),
    "pay_month": pl.Utf8(),
    "amount_owed_yuan": pl.Float64(),
    "is_owed_now": pl.Boolean(),  # past its deadline: the line's 当前欠发工资 counts it
}
