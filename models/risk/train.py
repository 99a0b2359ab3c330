"""Train the risk model: pick HGB or logistic by a time-ordered validation, refit, save Pipeline + metadata."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
import sklearn
from sklearn.pipeline import Pipeline

from models.risk.features import CATEGORICAL, FEATURES, LABEL, NUMERIC
from models.risk.metrics import snapshot_metrics
from models.risk.pipeline import KINDS, Kind, build_pipeline

MODEL_FILE = "model.joblib"
METADATA_FILE = "metadata.json"


@dataclass
class TrainedModel:
    """The fitted Pipeline, its kind, and what it was trained on (written next to it as metadata.json)."""

    pipeline: Pipeline
    kind: str
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def reference_values(self) -> dict[str, Any]:
        """Typical (median / most frequent) training values: the baseline of the perturbation attribution."""
        return self.metadata["reference_values"]


def to_pandas(frame: Any) -> pd.DataFrame:
    """Accept polars or pandas; booleans become 0/1 floats; as_of a datetime."""
    df = (
        frame.to_pandas()
        if hasattr(frame, "to_pandas") and not isinstance(frame, pd.DataFrame)
        else frame.copy()
    )
    for c in NUMERIC:
        if c in df.columns:
            df[c] = pd.to_numeric(df[c].astype("float64") if df[c].dtype == bool else df[c], errors="coerce")
    for c in CATEGORICAL:
        if c in df.columns:
            df[c] = df[c].astype("string").fillna("NA").astype(object)
    if "as_of" in df.columns:
        df["as_of"] = pd.to_datetime(df["as_of"])
    return df


def reference_values(df: pd.DataFrame) -> dict[str, Any]:
    ref: dict[str, Any] = {
        c: float(np.nanmedian(df[c].to_numpy(dtype=float))) if df[c].notna().any() else 0.0 for c in NUMERIC
    }
    ref.update({c: str(df[c].mode().iloc[0]) for c in CATEGORICAL})
    return ref


def fit(df: pd.DataFrame, kind: Kind, random_state: int) -> Pipeline:
    return build_pipeline(kind, random_state).fit(df[FEATURES], df[LABEL].astype(int))


def select_kind(
    df: pd.DataFrame,
    kinds: Sequence[Kind],
    capacity_share: float,
    random_state: int,
    validation_snapshots: int = 3,
) -> tuple[Kind, dict[str, Any]]:
    """Pick the kind with the better precision@capacity (then AUC-PR) on rows it was not fitted on.

    Time-ordered when the frame spans enough snapshots: fit on snapshots whose labels closed before the last
    `validation_snapshots`, validate on those. A frame of only a few month ends (the protocol's training window is
    short: labels must close before the test window opens) is split by project instead: 3 folds with disjoint
    projects, so no project is both fitted and judged.
    """
    from sklearn.model_selection import GroupKFold

    if len(kinds) == 1:
        return kinds[0], {"kinds": list(kinds), "note": "no selection (one kind)"}
    as_ofs = sorted(df["as_of"].unique())
    scores: dict[str, Any] = {}
    if len(as_ofs) >= validation_snapshots + 2:
        valid_start = as_ofs[-validation_snapshots]
        complete = pd.to_datetime(df["label_complete_date"]) if "label_complete_date" in df else df["as_of"]
        fit_rows = df[complete <= valid_start]
        valid_rows = df[df["as_of"] >= valid_start]
        if fit_rows[LABEL].nunique() < 2 or valid_rows[LABEL].sum() == 0:
            return kinds[0], {"kinds": list(kinds), "note": "no selection (too few events before validation)"}
        for kind in kinds:
            p = fit(fit_rows, kind, random_state).predict_proba(valid_rows[FEATURES])[:, 1]
            scores[kind] = snapshot_metrics(valid_rows.assign(s=p), "s", capacity_share)
        how = {
            "method": "time-ordered",
            "validation_from": str(valid_start)[:10],
            "n_fit_rows": len(fit_rows),
        }
    else:
        groups = df["project_code"] if "project_code" in df else pd.Series(range(len(df)), index=df.index)
        if df[LABEL].sum() < 6 or groups.nunique() < 3:
            return kinds[0], {"kinds": list(kinds), "note": "no selection (too few events or projects)"}
        folds = list(GroupKFold(n_splits=3).split(df, df[LABEL], groups))
        for kind in kinds:
            p = np.zeros(len(df))
            for fit_idx, valid_idx in folds:
                p[valid_idx] = fit(df.iloc[fit_idx], kind, random_state).predict_proba(
                    df.iloc[valid_idx][FEATURES]
                )[:, 1]
            scores[kind] = snapshot_metrics(df.assign(s=p), "s", capacity_share)
        how = {"method": "3 folds of disjoint projects", "n_snapshots": len(as_ofs)}
    best = max(kinds, key=lambda k: (scores[k]["precision_at_k"], scores[k]["auc_pr"]))
    return best, {"kinds": list(kinds), **how, "validation_metrics": scores, "chosen": best}


def train(
    frame: Any,
    *,
    capacity_share: float = 0.05,
    random_state: int = 11,
    kinds: Sequence[Kind] | None = None,
) -> TrainedModel:
    """Select the model kind by time-ordered validation, refit it on every row of `frame`, return it."""
    df = to_pandas(frame)
    missing = [c for c in [*FEATURES, LABEL] if c not in df.columns]
    if missing:
        raise ValueError(f"training frame lacks columns {missing}")
    if df[LABEL].nunique() < 2:
        raise ValueError("training frame needs both events and non-events")
    kind, selection = select_kind(df, tuple(kinds or KINDS), capacity_share, random_state)
    pipeline = fit(df, kind, random_state)
    metadata = {
        "kind": kind,
        "features": FEATURES,
        "numeric_features": NUMERIC,
        "categorical_features": CATEGORICAL,
        "data_window": [str(df["as_of"].min())[:10], str(df["as_of"].max())[:10]],
        "n_rows": len(df),
        "n_projects": int(df["project_code"].nunique()) if "project_code" in df else None,
        "event_rate": float(df[LABEL].mean()),
        "random_state": random_state,
        "capacity_share": capacity_share,
        "sklearn_version": sklearn.__version__,
        "selection": selection,
        "reference_values": reference_values(df),
    }
    return TrainedModel(pipeline=pipeline, kind=kind, metadata=metadata)


def save(model: TrainedModel, out_dir: Path, extra_metadata: dict[str, Any] | None = None) -> Path:
    """Write out_dir/model.joblib (the Pipeline) and out_dir/metadata.json; returns the model path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / MODEL_FILE
    joblib.dump(model.pipeline, path)
    meta = {**model.metadata, **(extra_metadata or {})}
    (out_dir / METADATA_FILE).write_text(
        json.dumps(meta, ensure_ascii=False, indent=2, default=str), encoding="utf-8"
    )
    return path


def load(path: Path) -> TrainedModel:
    """Read a saved Pipeline and the metadata.json next to it."""
    pipeline = joblib.load(path)
    meta = json.loads((Path(path).parent / METADATA_FILE).read_text(encoding="utf-8"))
    return TrainedModel(pipeline=pipeline, kind=meta["kind"], metadata=meta)
