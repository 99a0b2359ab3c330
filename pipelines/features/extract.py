"""Point-in-time project features and arrears labels from the warehouse (raw_* tables with lineage).

`project_features` and `training_frame` build the same models — the features layer, pipelines/sql/features:
feat_snapshot, the fx_* point-in-time copies, feat_project — over one or many snapshot dates, as temporary tables
(a read-only connection works); `labels` reads every delivery (hindsight) through feat_arrears_event.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import cast

import duckdb
import polars as pl
import polars.selectors as cs

from pipelines.features.rules_at import (
    SNAPSHOT_TABLES,
    create_rule_snapshots,
    rule_summary,
    upstream,
    with_rule_summary,
)
from pipelines.incremental import holds_through
from pipelines.settings import Settings, sql_params
from pipelines.warehouse import discover_models, drop_relation, frame, run_models

FEATURE_DECIMALS = 6  # decimals kept of a float feature (see snapshot_features)

# Columns that identify a row or carry context; everything else is a feature or a rule column (rules_at.py).
ID_COLUMNS = ("as_of", "project_code", "area_code", "contractor_corp_code", "build_corp_code")


def build_features(
    con: duckdb.DuckDBPyConnection, target: str, params: dict[str, object], *, stored_fresh: bool = False
) -> pl.DataFrame:
    """Build `target` of the features layer and the features-layer models it reads as temporary tables; its rows.

    feat_rule_firing / feat_rule_scope are not rebuilt: create_rule_snapshots fills them, one date at a time. A
    stored model the layer reads (int_person_day, for fx_person_day) is the warehouse's when it holds every row the
    last snapshot date needs (`stored_fresh`: the nightly's models step has just built it at that date; else its
    build state says so, incremental.holds_through); otherwise it is built here too, at that date, and dropped after."""
    models = discover_models()
    names = [
        n for n in upstream(models, [target]) if models[n].layer == "features" and n not in SNAPSHOT_TABLES
    ]
    stored = sorted(
        {r for n in names for r in models[n].refs if r in models and models[r].layer != "features"}
    )
    last = max(cast("list[date]", params.get("snapshot_dates") or [params["as_of"]]))
    stale = [n for n in stored if not (stored_fresh or holds_through(con, models, n, last))]
    below = upstream(models, stale) if stale else []
    try:
        run_models(con, {**params, "as_of": last}, models=models, only=[*below, *names], temp=True)
        return frame(con, f"select * from temp.main.{target}")
    finally:
        for name in below:  # the warehouse's own tables are visible again
            drop_relation(con, name, temp=True)


def snapshot_features(
    con: duckdb.DuckDBPyConnection,
    as_ofs: Sequence[date],
    settings: Settings | None = None,
    *,
    rules_built_at: date | None = None,
) -> pl.DataFrame:
    """Features of every in-scope project at each as_of (one row per as_of × project).

    `rules_built_at`: the warehouse's rule tables were built at this date with these settings (the nightly run
    scores right after its models step), so they are read rather than built again (rules_at.py)."""
    settings = settings or Settings()
    if not as_ofs:
        raise ValueError("at least one as_of date is needed")
    # the rules and the scope: the real rule models at each as_of (one definition of each rule)
    create_rule_snapshots(con, as_ofs, settings, built_at=rules_built_at)
    params = {**sql_params(settings, max(as_ofs)), "snapshot_dates": sorted(set(as_ofs))}
    # DuckDB sums doubles in parallel, in no fixed order, so a sum's last bits differ from run to run (a share that
    # is 0 comes out as 1e-16 on one run), and a tree model fitted on that noise differs too. FEATURE_DECIMALS drop
    # the noise: money is whole fen (a sum's noise is ~1e-9 yuan), and no share or mean needs finer than 1e-6.
    features = build_features(
        con, "feat_project", params, stored_fresh=rules_built_at is not None and rules_built_at == max(as_ofs)
    ).with_columns(cs.float().round(FEATURE_DECIMALS))
    return with_rule_summary(features, rule_summary(con)).sort("as_of", "project_code")


def project_features(
    con: duckdb.DuckDBPyConnection,
    as_of: date,
    settings: Settings | None = None,
    *,
    rules_built: bool = False,
) -> pl.DataFrame:
    """One row per in-scope project at as_of, from data known at as_of only (`rules_built`: the warehouse's rule
    tables are tonight's, built at as_of with these settings)."""
    return snapshot_features(con, [as_of], settings, rules_built_at=as_of if rules_built else None)


def arrears_events(con: duckdb.DuckDBPyConnection, settings: Settings | None = None) -> pl.DataFrame:
    """Every arrears event the warehouse shows in hindsight: project_code, event_date, kind, pay_month."""
    settings = settings or Settings()
    return build_features(con, "feat_arrears_event", sql_params(settings, date.today()))


def label_events(events: pl.DataFrame, keys: pl.DataFrame, horizon_days: int) -> pl.DataFrame:
    """keys[as_of, project_code] + label = 1 when an event falls in (as_of, as_of + horizon_days]."""
    joined = keys.select("as_of", "project_code").join(
        events.select("project_code", "event_date"), on="project_code", how="left"
    )
    hit = (pl.col("event_date") > pl.col("as_of")) & (
        pl.col("event_date") <= pl.col("as_of") + pl.duration(days=horizon_days)
    )
    return (
        joined.with_columns(hit.fill_null(False).alias("hit"))
        .group_by("as_of", "project_code")
        .agg(pl.col("hit").any().cast(pl.Int8).alias("label"))
    )


def labels(
    con: duckdb.DuckDBPyConnection,
    as_of: date,
    horizon_days: int = 60,
    makegood_days: int = 30,
    settings: Settings | None = None,
) -> pl.DataFrame:
    """[project_code, label] for the in-scope projects at as_of: an arrears event in (as_of, as_of + horizon]."""
    settings = (settings or Settings()).model_copy(deep=True)
    settings.score.makegood_days = makegood_days
    keys = project_features(con, as_of, settings).select("as_of", "project_code")
    out = label_events(arrears_events(con, settings), keys, horizon_days)
    return out.select("project_code", "label").sort("project_code")


def month_ends(first: date, last: date) -> list[date]:
    """Every month end from the month of `first` to `last` (inclusive when `last` is a month end)."""
    out: list[date] = []
    y, m = first.year, first.month
    while True:
        nxt = date(y + (m == 12), m % 12 + 1, 1)
        end = nxt - timedelta(days=1)
        if end > last:
            return out
        out.append(end)
        y, m = nxt.year, nxt.month


def label_complete_date(as_of: date, settings: Settings) -> date:
    """When the label of a snapshot is fully known: as_of + horizon + makegood (a shortfall needs the make-good)."""
    return as_of + timedelta(days=settings.score.horizon_days + settings.score.makegood_days)


def training_frame(
    con: duckdb.DuckDBPyConnection, as_ofs: Sequence[date], settings: Settings | None = None
) -> pl.DataFrame:
    """Month-end snapshots stacked: features + label (+ label_complete_date) per as_of × in-scope project."""
    settings = settings or Settings()
    feats = snapshot_features(con, as_ofs, settings)
    lab = label_events(arrears_events(con, settings), feats, settings.score.horizon_days)
    return feats.join(lab, on=["as_of", "project_code"], how="left").with_columns(
        pl.col("label").fill_null(0),
        (pl.col("as_of") + pl.duration(days=settings.score.horizon_days + settings.score.makegood_days))
        .cast(pl.Date)
        .alias("label_complete_date"),
    )
