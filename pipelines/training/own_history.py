"""`wagewatch train --warehouse FILE`: fit the risk score on the warehouse's own history, champion/challenger it
against the model in use and the count of rules fired, and store the decision beside the warehouse.

triage.md "The model learns from the user's own history"; warnings.md "Validation" (time-ordered). Steps:
1. closed month ends: month-end snapshots whose labels have closed (as_of + horizon + make-good ≤ last extract);
2. labels from this warehouse only: verified complaints and pay months not made good (feat_arrears_event), and
   inspection outcome 01 as a positive training label dated at the line's warning date (selection bias:
   models/risk/card.py SELECTION_BIAS, docs/decisions.md "Own-history training");
3. backtest on the latest `backtest_month_ends` closed month ends: the candidate is fitted on snapshots whose labels
   closed before the first of them; candidate, current model and rules count are compared there;
4. models/risk/champion.decide; `<warehouse>.models/` gets the promoted model, ranking.json and MODEL_CARD.md.
"""

from __future__ import annotations

import json
import logging
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import polars as pl

from pipelines.features.extract import label_events, training_frame
from pipelines.features.ranking import (
    CARD_FILE,
    RANKING_FILE,
    model_home,
    ranking_in_use,
    read_decision,
    rules_count_column,
)
from pipelines.reports import labels_zh as zh
from pipelines.settings import OwnHistory, Settings
from pipelines.warehouse import frame, has_table

log = logging.getLogger(__name__)

OUTCOME_EVENT, OUTCOME_NO_EVENT = "01", "03"  # 属实：存在欠薪 / 不属实 (data/contracts/disposition.yaml)


def last_extract(con: duckdb.DuckDBPyConnection) -> date:
    return con.execute("select max(_extract_date) from raw_attendance").fetchone()[0]  # type: ignore[index]


def closed_month_ends(con: duckdb.DuckDBPyConnection, settings: Settings) -> list[date]:
    """Month ends from `warmup_months` after the first punch whose label window closed by the last extract."""
    from pipelines.training.prior import snapshot_dates

    return snapshot_dates(con, settings, settings.own_history.warmup_months)


def outcome_returns(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The latest inspection return per line (project_code, warning_date), all deliveries: its outcome."""
    empty = pl.DataFrame(schema={"project_code": pl.Utf8, "warning_date": pl.Date, "outcome": pl.Utf8})
    if not has_table(con, "raw_disposition"):
        return empty
    rows = frame(
        con,
        """
        select project_code, cast(warning_date as date) as warning_date, outcome
        from raw_disposition
        where project_code is not null and warning_date is not null
        qualify row_number() over (
            partition by project_code, warning_date
            order by inspect_date desc, _extract_date desc, _file_id desc, _line desc
        ) = 1
        """,
    )
    return rows if rows.height else empty


def own_frame(
    con: duckdb.DuckDBPyConnection, settings: Settings, dates: list[date] | None = None
) -> pl.DataFrame:
    """Snapshots at the closed month ends: features, `label` (verified complaints and pay months not made good:
    every project can have them, the backtest's metric), `train_label` (label, or an outcome 01 inside the
    horizon: what the candidate learns), `outcome_03` (a 03 return dated inside the horizon) and `rules_score`."""
    dates = closed_month_ends(con, settings) if dates is None else dates
    if not dates:
        return pl.DataFrame()
    out = training_frame(con, dates, settings)
    returns = outcome_returns(con)
    h = settings.score.horizon_days
    keys = out.select("as_of", "project_code")

    def by_outcome(code: str, name: str) -> pl.DataFrame:
        events = returns.filter(pl.col("outcome") == code).select(
            "project_code", pl.col("warning_date").alias("event_date")
        )
        return label_events(events, keys, h).rename({"label": name})

    out = (
        out.join(by_outcome(OUTCOME_EVENT, "outcome_01"), on=["as_of", "project_code"], how="left")
        .join(by_outcome(OUTCOME_NO_EVENT, "outcome_03"), on=["as_of", "project_code"], how="left")
        .with_columns(pl.col("outcome_01", "outcome_03").fill_null(0))
    )
    rules = rules_count_column(out.columns, settings)
    return out.with_columns(
        pl.max_horizontal("label", "outcome_01").cast(pl.Int8).alias("train_label"),
        pl.col(rules).cast(pl.Float64).alias("rules_score"),
    )


def _history_counts(df: pd.DataFrame) -> dict[str, int]:
    return {
        "n_rows": len(df),
        "n_projects": int(df["project_code"].nunique()) if len(df) else 0,
        "n_events": int(df["train_label"].sum()) if len(df) else 0,
        "n_events_observed": int(df["label"].sum()) if len(df) else 0,
        "n_events_outcome_only": int(((df["train_label"] == 1) & (df["label"] == 0)).sum()) if len(df) else 0,
        "n_outcome_03": int(df["outcome_03"].sum()) if len(df) else 0,
    }


def _read_history(
    warehouse: Path, settings: Settings, con: duckdb.DuckDBPyConnection | None, data: pl.DataFrame | None
) -> tuple[date, pd.DataFrame]:
    """The last extract date and the own-history frame (as pandas), from `con` or a connection opened here."""
    from models.risk.train import to_pandas

    own_con = con is None
    if con is None:
        from pipelines.warehouse import connect

        con = connect(warehouse, threads=settings.duckdb_threads, memory_limit=settings.duckdb_memory_limit)
    try:
        extract = last_extract(con)
        df = to_pandas(own_frame(con, settings) if data is None else data)
    finally:
        if own_con:
            con.close()
    return extract, df


def _backtest_split(
    df: pd.DataFrame, month_ends: list, n_events: int, o: OwnHistory
) -> tuple[list[str], pd.DataFrame | None, pd.DataFrame | None, list]:
    """Why the history is too short (empty when it is enough), the training rows (labels closed before the first
    backtest month end), the backtest rows and the backtest month ends."""
    short = []
    if len(month_ends) < o.min_closed_month_ends:
        short.append(f"{len(month_ends)} closed month ends < {o.min_closed_month_ends}")
    if n_events < o.min_events:
        short.append(f"{n_events} events < {o.min_events}")
    if short:
        return short, None, None, []
    test_dates = month_ends[-o.backtest_month_ends :]
    train_rows = df[pd.to_datetime(df["label_complete_date"]) <= test_dates[0]]
    test_rows = df[df["as_of"].isin(test_dates)]
    if train_rows["train_label"].nunique() < 2:
        short.append("no events (or no non-events) in the months before the backtest")
    elif test_rows["label"].sum() == 0:
        short.append("no events in the backtest months")
    return short, train_rows, test_rows, test_dates


def _fit_and_compare(
    train_rows: pd.DataFrame,
    test_rows: pd.DataFrame,
    test_dates: list,
    current_model: Path | None,
    settings: Settings,
    random_state: int,
) -> tuple[Any, dict[str, dict[str, float]], dict[str, Any]]:
    """Fit the candidate, score candidate, current model, rules count and ceiling on the backtest rows; returns the
    candidate, the comparison table and the backtest part of the report (windows, sizes, calibration)."""
    from sklearn.metrics import brier_score_loss

    from models.risk.champion import CANDIDATE, CEILING, CURRENT, RULES, compare
    from models.risk.metrics import reliability
    from models.risk.predict import predict_proba
    from models.risk.train import load, train

    candidate = train(
        train_rows.assign(label=train_rows["train_label"]),
        capacity_share=settings.triage.list_capacity_share,
        random_state=random_state,
    )
    p_candidate = predict_proba(candidate, test_rows)
    scores = {
        CANDIDATE: p_candidate,
        CURRENT: predict_proba(load(current_model), test_rows) if current_model else None,
        RULES: test_rows["rules_score"].to_numpy(dtype=float),
        CEILING: test_rows["true_hazard"].to_numpy(dtype=float) if "true_hazard" in test_rows else None,
    }
    table = compare(
        test_rows, scores, settings.triage.list_capacity_share, settings.own_history.precision_share
    )
    y = test_rows["label"].astype(int).to_numpy()
    backtest = {
        "train_window": [str(train_rows["as_of"].min())[:10], str(train_rows["as_of"].max())[:10]],
        "test_window": [str(test_dates[0])[:10], str(test_dates[-1])[:10]],
        "n_train_rows": len(train_rows),
        "n_test_rows": len(test_rows),
        "test_event_rate": float(y.mean()),
        "comparison": table,
        "calibration": {
            "brier": float(brier_score_loss(y, p_candidate)),
            "brier_base_rate": float(brier_score_loss(y, np.full(len(y), y.mean()))),
            "reliability": reliability(y, p_candidate),
        },
    }
    return candidate, table, backtest


def _write_decision(home: Path, report: dict[str, Any], ranking: str, candidate: Any, promoted: bool) -> None:
    """`<warehouse>.models/`: the promoted model (if any), ranking.json and MODEL_CARD.md."""
    from models.risk.card import render_card
    from models.risk.train import save

    home.mkdir(parents=True, exist_ok=True)
    if promoted and candidate is not None:
        save(candidate, home, {"own_history": {k: report[k] for k in ("train_window", "test_window")}})
    (home / RANKING_FILE).write_text(
        json.dumps(
            {"ranking": ranking, **report},
            ensure_ascii=False,
            indent=2,
            default=str,
        ),
        encoding="utf-8",
    )
    (home / CARD_FILE).write_text(render_card(report), encoding="utf-8")


def train_own_history(
    warehouse: Path,
    settings: Settings | None = None,
    *,
    con: duckdb.DuckDBPyConnection | None = None,
    data: pl.DataFrame | None = None,
    random_state: int = 11,
    command: str | None = None,
) -> dict[str, Any]:
    """Train, backtest, decide, and write `<warehouse>.models/`; returns the report (also in ranking.json).

    `data`: an own_frame already built (tests and the benchmark reuse one); `con`: an open warehouse."""
    from models.risk.champion import decide

    settings = settings or Settings()
    o = settings.own_history
    warehouse = Path(warehouse)
    extract, df = _read_history(warehouse, settings, con, data)
    month_ends = sorted(df["as_of"].unique()) if len(df) else []
    before = ranking_in_use(warehouse, settings)
    previous = read_decision(warehouse)
    current_source = before.source if before.uses_model else None
    report: dict[str, Any] = {
        "warehouse": str(warehouse),
        "warehouse_name": warehouse.name,
        "command": command or f"wagewatch train --warehouse {warehouse}",
        "trained_at": datetime.now().isoformat(timespec="seconds"),
        "last_extract": str(extract),
        "closed_month_ends": [str(d)[:10] for d in month_ends],
        "horizon_days": settings.score.horizon_days,
        "makegood_days": settings.score.makegood_days,
        "capacity_share": settings.triage.list_capacity_share,
        "precision_share": o.precision_share,
        "min_closed_month_ends": o.min_closed_month_ends,
        "min_events": o.min_events,
        "rules_column": rules_count_column(list(df.columns), settings) if len(df) else None,
        "current_source": current_source,
        **_history_counts(df),
    }
    short, train_rows, test_rows, test_dates = _backtest_split(df, month_ends, report["n_events"], o)
    table: dict[str, dict[str, float]] = {}
    candidate = None
    if not short:
        assert train_rows is not None
        assert test_rows is not None
        candidate, table, backtest = _fit_and_compare(
            train_rows, test_rows, test_dates, before.model_path, settings, random_state
        )
        report.update(backtest)
    decision = decide(
        table,
        current_source,
        enough_history=not short,
        kept_ranking=previous["ranking"] if previous else None,
        why_not_enough="; ".join(short),
    )
    report["decision"] = decision.as_dict()
    report["ranking_zh"] = zh.RANKING_BASIS.format(zh.RANKING_ZH[decision.ranking])
    _write_decision(model_home(warehouse), report, decision.ranking, candidate, decision.promoted)
    log.info("own-history training of %s: %s", warehouse, decision.reason)
    return report


def retrain_own_history(warehouse: Path, settings: Settings, wait_for_lock_seconds: float) -> dict[str, Any]:
    """The monthly retrain (flows/retrain.py): train_own_history under the nightly run's lock — DuckDB has one
    writer, and a list must not change ranking mid-run. Returns the decision: ranking, promoted, reason."""
    from pipelines.runs import warehouse_lock

    with warehouse_lock(warehouse, wait_seconds=wait_for_lock_seconds):
        r = train_own_history(warehouse, settings, command=f"wagewatch train --warehouse {warehouse}")
    return {k: r["decision"][k] for k in ("ranking", "promoted", "reason")}
