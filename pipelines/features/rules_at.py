"""The warning rules and the risk scope as the nightly run computes them, at each snapshot date.

One definition of each rule (issue 17 item 2): the features do not re-implement the rules; for every as_of of
`feat_snapshot` the real models (pipelines/sql: staging → intermediate → rules, only those `rule_firing` and
`rule_scope` read) are built with that as_of's parameters, exactly as `wagewatch run --as-of` builds them, as
temporary tables (they shadow the warehouse's tables of the same names while they exist and are dropped after;
the warehouse's own tables are not touched, and a read-only connection works), and the features layer's models
(pipelines/sql/features) append their rows for that date to

- `feat_rule_firing(as_of, project_code, rule_id, level)`: what the list would show that night;
- `feat_rule_scope(as_of, project_code, is_indicator_scope)`: the rules' risk scope, with the indicator scope the
  model is trained on.

Point in time: the staging models keep deliveries with `_extract_date ≤ as_of` and the rules judge events up to
as_of, so a snapshot sees what that night's run would have seen.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import duckdb
import polars as pl

from pipelines.settings import Settings, sql_params
from pipelines.warehouse import (
    SqlModel,
    build_order,
    discover_models,
    drop_relation,
    frame,
    has_table,
    run_models,
    set_params,
)
from pipelines.warnings.catalogue import catalogue
from pipelines.warnings.schema import LEVELS

TARGETS = ("rule_firing", "rule_scope")
# the features layer's copies of the rule tables, one block of rows per snapshot date (pipelines/sql/features)
SNAPSHOT_TABLES = ("feat_rule_firing", "feat_rule_scope")
# weight of a firing by its level (red 3, orange 2, yellow 1): the rules signal the fallback ranking and the
# model read (warnings.md "The risk score": the rule signals as one number)
LEVEL_WEIGHT = {level: len(LEVELS) - i for i, level in enumerate(LEVELS)}


def upstream(models: dict[str, SqlModel], targets: Sequence[str]) -> list[str]:
    """The targets and every model they read, directly or not, in build order."""
    needed: set[str] = set()
    stack = list(targets)
    while stack:
        name = stack.pop()
        if name not in needed:
            needed.add(name)
            stack += [r for r in models[name].refs if r in models]
    return [name for name in build_order(models) if name in needed]


def rule_models(models: dict[str, SqlModel] | None = None) -> list[str]:
    """The models `rule_firing` and `rule_scope` need, in build order."""
    return upstream(models or discover_models(), TARGETS)


def create_rule_snapshots(
    con: duckdb.DuckDBPyConnection,
    as_ofs: Sequence[date],
    settings: Settings,
    *,
    built_at: date | None = None,
) -> None:
    """(Re)create feat_rule_firing and feat_rule_scope for these as_of dates (temp tables): at each date, the rule
    models are built with that date's parameters and the two feature models append their rows.

    `built_at`: the warehouse's own rule tables were just built at this date with these settings (the nightly
    run's models step, before scoring); a snapshot at that date reads them instead of building them again."""
    models = discover_models()
    dates = sorted(set(as_ofs))
    reuse = built_at in dates and all(has_table(con, t) for t in TARGETS)
    if reuse:  # first, while no temporary rule table shadows the warehouse's
        dates.remove(built_at)  # type: ignore[arg-type]
        dates.insert(0, built_at)  # type: ignore[arg-type]
    names = rule_models(models)
    try:
        for i, as_of in enumerate(dates):
            params = sql_params(settings, as_of)
            if reuse and as_of == built_at:
                set_params(con, params)
            else:
                run_models(con, params, models=models, only=names, temp=True)
            if i == 0:
                run_models(con, params, models=models, only=SNAPSHOT_TABLES, temp=True)
            else:
                for name in SNAPSHOT_TABLES:
                    con.execute(f"insert into temp.main.{name} {models[name].body}")
    finally:
        for name in names:  # the warehouse's own tables are visible again
            drop_relation(con, name, temp=True)


def rule_columns() -> list[str]:
    """One 0/1 column per rule of the catalogue: rule_r01 … rule_r17."""
    return [f"rule_{rule_id.lower()}" for rule_id in catalogue()]


def rule_summary(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Per as_of × project with a firing in feat_rule_firing: rule_rNN (1 when the rule fires), rules_fired_count
    (distinct rules fired), rules_signal_score (Σ over the rules fired of their level's weight) and rules_fired
    (rule ids, most severe first, then by id). `with_rule_summary` gives every other project zeros."""
    firing = frame(con, "select as_of, project_code, rule_id, level from feat_rule_firing")
    per_rule = (
        firing.with_columns(weight=pl.col("level").replace_strict(LEVEL_WEIGHT, return_dtype=pl.Int32))
        .group_by("as_of", "project_code", "rule_id")
        .agg(pl.col("weight").max())
        .sort(["as_of", "project_code", "weight", "rule_id"], descending=[False, False, True, False])
    )
    return per_rule.group_by("as_of", "project_code", maintain_order=True).agg(
        *[
            (pl.col("rule_id") == rule_id).any().cast(pl.Int8).alias(f"rule_{rule_id.lower()}")
            for rule_id in catalogue()
        ],
        pl.len().cast(pl.Int32).alias("rules_fired_count"),
        pl.col("weight").sum().cast(pl.Int32).alias("rules_signal_score"),
        pl.col("rule_id").alias("rules_fired"),
    )


def with_rule_summary(features: pl.DataFrame, summary: pl.DataFrame) -> pl.DataFrame:
    """The features with the rule summary's columns; a project where no rule fires has zeros and no rule."""
    counts = [*rule_columns(), "rules_fired_count", "rules_signal_score"]
    return features.join(summary, on=["as_of", "project_code"], how="left").with_columns(
        *[pl.col(c).fill_null(0) for c in counts],
        pl.col("rules_fired").fill_null(pl.lit([], dtype=pl.List(pl.Utf8))),
    )
