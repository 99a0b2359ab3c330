"""Nightly scoring: point-in-time features → the trained model; without a model, a clearly-labelled rules fallback."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from pipelines.features.extract import project_features
from pipelines.settings import Settings
from pipelines.warnings.catalogue import rule_label

log = logging.getLogger(__name__)

FALLBACK_NOTE_ZH = "风险模型未训练，按预警规则信号排序"
STALE_MODEL_NOTE_ZH = "风险模型与当前特征不一致（需重新训练），按预警规则信号排序"


def rules_fallback(features: pl.DataFrame, note: str = FALLBACK_NOTE_ZH) -> pl.DataFrame:
    """Score = rules_signal_score ÷ its maximum (0–1); factors name the rules that fire (rule_firing at as_of, most
    severe first: `rules_fired`), after `note`."""
    top = max(float(features["rules_signal_score"].cast(pl.Float64).max() or 0.0), 1.0)  # type: ignore[arg-type]
    factors = [
        f"{note}：" + ("；".join(rule_label(r) for r in fired[:3]) if len(fired) else "无规则信号")
        for fired in features["rules_fired"].to_list()
    ]
    return pl.DataFrame(
        {
            "project_code": features["project_code"],
            "score": (features["rules_signal_score"].cast(pl.Float64) / top),
            "factors_zh": factors,
            "score_source": ["rules_fallback"] * features.height,
        },
        schema_overrides={"factors_zh": pl.Utf8},
    )


def score_projects(
    con: duckdb.DuckDBPyConnection,
    as_of: date,
    settings: Settings,
    model_path: Path | None = None,
    *,
    rules_built: bool = False,
) -> pl.DataFrame:
    """project_code, score (0–1), factors_zh, score_source ('model' | 'rules_fallback') for in-scope projects.
    `rules_built`: the warehouse's rule tables were built tonight at as_of (the nightly run's models step)."""
    features = project_features(con, as_of, settings, rules_built=rules_built)
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
