"""Ranking and calibration metrics: precision at capacity, reliability, and a scored frame's evaluation.

Imported by train (kind selection), backtest and the champion/challenger comparison; it imports none of them, so
train ↔ backtest ↔ predict no longer import each other inside functions (issue 20 item 2).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, brier_score_loss

# Baseline rankings the model is compared with, as columns of the frame (computed upstream):
# rules_score = the rules-only ranking; complaint_history_score = past complaints alone;
# true_hazard = the synthetic world's true hazard (the ceiling; only on generated worlds).
BASELINES = {"rules": "rules_score", "complaints": "complaint_history_score", "ceiling": "true_hazard"}


def capacity(n: int, share: float) -> int:
    """Inspector capacity: the top `share` of n in-scope projects, at least one."""
    return max(1, math.ceil(share * n))


def precision_at_k(y: np.ndarray, s: np.ndarray, k: int) -> float:
    """Share of events among the k highest scores; ties at the cut-off count at their mean (random tie-break)."""
    y = np.asarray(y, dtype=float)
    s = np.asarray(s, dtype=float)
    s = np.where(np.isnan(s), -np.inf, s)
    order = np.argsort(-s, kind="stable")
    threshold = s[order[k - 1]]
    above = s > threshold
    tied = s == threshold
    n_tied_taken = k - int(above.sum())
    hits = y[above].sum() + (y[tied].mean() * n_tied_taken if n_tied_taken else 0.0)
    return float(hits / k)


def reliability(y: np.ndarray, p: np.ndarray, n_bins: int = 10) -> list[dict[str, float]]:
    """Mean predicted vs observed event rate in probability-quantile bins."""
    df = pd.DataFrame({"y": y, "p": p})
    df["bin"] = pd.qcut(df["p"].rank(method="first"), q=min(n_bins, len(df)), labels=False)
    g = df.groupby("bin").agg(n=("y", "size"), mean_predicted=("p", "mean"), observed=("y", "mean"))
    return [{k: float(v) for k, v in row.items()} for row in g.to_dict("records")]


def snapshot_metrics(frame: pd.DataFrame, score_col: str, capacity_share: float) -> dict[str, float]:
    """precision@k and recall@k averaged over as_of snapshots, and AUC-PR over all rows."""
    precisions, recalls = [], []
    for _, g in frame.groupby("as_of"):
        k = capacity(len(g), capacity_share)
        p = precision_at_k(g["label"].to_numpy(), g[score_col].to_numpy(), k)
        precisions.append(p)
        n_events = g["label"].sum()
        if n_events:
            recalls.append(p * k / n_events)
    s = frame[score_col].astype(float).fillna(-1e9)
    return {
        "precision_at_k": float(np.mean(precisions)),
        "recall_at_k": float(np.mean(recalls)) if recalls else float("nan"),
        "auc_pr": float(average_precision_score(frame["label"], s)) if frame["label"].any() else float("nan"),
    }


def evaluate(frame: pd.DataFrame, probability: np.ndarray, capacity_share: float = 0.05) -> dict[str, object]:
    """The model's metrics on a scored frame, with the baselines present in it and the lifts over them."""
    scored = frame.assign(model_score=probability)
    out: dict[str, object] = {
        "n_rows": len(scored),
        "n_snapshots": int(scored["as_of"].nunique()),
        "event_rate": float(scored["label"].mean()),
        "model": snapshot_metrics(scored, "model_score", capacity_share),
        "brier": float(brier_score_loss(scored["label"], probability)),
        "brier_base_rate": float(
            brier_score_loss(scored["label"], np.full(len(scored), scored["label"].mean()))
        ),
        "reliability": reliability(scored["label"].to_numpy(), probability),
    }
    model_p = out["model"]["precision_at_k"]  # type: ignore[index]
    for name, col in BASELINES.items():
        if col in scored.columns and scored[col].notna().any():
            m = snapshot_metrics(scored, col, capacity_share)
            out[name] = m
            ratio = model_p / m["precision_at_k"] if m["precision_at_k"] > 0 else float("inf")
            out["share_of_ceiling" if name == "ceiling" else f"lift_over_{name}"] = ratio
    return out
