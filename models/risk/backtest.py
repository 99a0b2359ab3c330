"""The time-ordered backtest (train before T, test on T…T+k) and its shuffled-label control."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd

from models.risk.metrics import (  # noqa: F401  (re-exported: the backtest's metrics live in metrics.py)
    BASELINES,
    capacity,
    evaluate,
    precision_at_k,
    reliability,
    snapshot_metrics,
)
from models.risk.predict import predict_proba
from models.risk.train import train


def backtest(
    frame: pd.DataFrame,
    *,
    test_start: date,
    test_months: int,
    kind: str | None = None,
    capacity_share: float = 0.05,
    random_state: int = 0,
) -> dict[str, object]:
    """Train on snapshots whose labels were complete before test_start; test on the next `test_months` as_ofs."""
    as_ofs = sorted(frame["as_of"].unique())
    test_dates = [d for d in as_ofs if d >= pd.Timestamp(test_start)][:test_months]
    train_rows = frame[pd.to_datetime(frame["label_complete_date"]) <= pd.Timestamp(test_start)]
    test_rows = frame[frame["as_of"].isin(test_dates)]
    model = train(
        train_rows,
        capacity_share=capacity_share,
        random_state=random_state,
        kinds=(kind,) if kind else None,  # type: ignore[arg-type]
    )
    result = evaluate(test_rows, predict_proba(model, test_rows), capacity_share)
    result.update(
        kind=model.kind,
        train_window=[str(train_rows["as_of"].min())[:10], str(train_rows["as_of"].max())[:10]],
        test_window=[str(min(test_dates))[:10], str(max(test_dates))[:10]],
        n_train_rows=len(train_rows),
        train_event_rate=float(train_rows["label"].mean()),
        selection=model.metadata.get("selection"),
    )
    return result


def shuffled_label_control(
    frame: pd.DataFrame,
    *,
    test_start: date,
    test_months: int,
    kind: str,
    random_state: int = 0,
    capacity_share: float = 0.05,
) -> dict[str, object]:
    """The same backtest with training labels shuffled within each snapshot: what chance alone scores."""
    rng = np.random.default_rng(random_state)
    shuffled = frame.copy()
    train_mask = pd.to_datetime(shuffled["label_complete_date"]) <= pd.Timestamp(test_start)
    for _, idx in shuffled[train_mask].groupby("as_of").groups.items():
        shuffled.loc[idx, "label"] = rng.permutation(shuffled.loc[idx, "label"].to_numpy())
    return backtest(
        shuffled,
        test_start=test_start,
        test_months=test_months,
        kind=kind,
        capacity_share=capacity_share,
        random_state=random_state,
    )


def as_dates(values: Sequence[object]) -> list[date]:
    return [pd.Timestamp(v).date() for v in values]
