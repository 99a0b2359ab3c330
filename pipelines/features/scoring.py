"""Nightly scoring: point-in-time features → the trained model; without a model, a clearly-labelled rules fallback."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from pipelines.features.extract import project_features
from pipelines.reports.labels_zh import RULE_SIGNAL as RULE_SIGNAL_ZH
from pipelines.settings import Settings

log = logging.getLogger(__name__)

FALLBACK_NOTE_ZH = "风险模型未训练，按预警规则信号排序"
STALE_MODEL_NOTE_ZH = "风险模型与当前特征不一致（需重新训练），按预警规则信号排序"


def rules_fallback(features: pl.DataFrame, note: str = FALLBACK_NOTE_ZH) -> pl.DataFrame:
    """Score = rules_signal_score ÷ its maximum (0–1); factors name the rule signals that fire, after `note`."""
    top = max(float(features["rules_signal_score"].cast(pl.Float64).max() or 0.0), 1.0)  # type: ignore[arg-type]
    factors = []
    for row in features.iter_rows(named=True):
        # red signals first, then orange, then yellow (the list's own order of severity)
        fired = [
            zh
            for level in ("red", "orange", "yellow")
            for col, zh in RULE_SIGNAL_ZH.items()
            if col.endswith(level) and row.get(col)
        ]
        factors.append(f"{note}：" + ("；".join(fired[:3]) if fired else "无规则信号"))
    return pl.DataFrame(
        {
            "project_code": features["project_code"],
            "score": (features["rules_signal_score"].cast(pl.Float64) / top),
            "factors_zh": factors,
            "score_source": ["rules_fallback"] * features.height,
        }
    )


def score_projects(
    con: duckdb.DuckDBPyConnection, as_of: date, settings: Settings, model_path: Path | None = None
) -> pl.DataFrame:
    """project_code, score (0–1), factors_zh, score_source ('model' | 'rules_fallback') for in-scope projects."""
    features = project_features(con, as_of, settings)
    model_path = Path(model_path or settings.paths.model_dir / "model.joblib")
    if not model_path.exists() or not (model_path.parent / "metadata.json").exists():
        log.warning("no trained risk model at %s: scores fall back to the rules-only ranking", model_path)
        return rules_fallback(features)
    from models.risk.features import FEATURES
    from models.risk.predict import score
    from models.risk.train import load

    model = load(model_path)
    if model.metadata.get("features") != FEATURES:
        # a model trained before the features changed would fail or, worse, read columns in the wrong place
        log.warning(
            "the risk model at %s was trained on other features: retrain it (wagewatch train)", model_path
        )
        return rules_fallback(features, STALE_MODEL_NOTE_ZH)
    scored = score(model, features)
    return scored.with_columns(pl.lit("model").alias("score_source"))
