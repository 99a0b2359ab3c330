"""Nightly scoring: point-in-time features → the trained model; without a model, a clearly-labelled rules fallback."""

from __future__ import annotations

import logging
import threading
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import polars as pl

from pipelines.features.extract import project_features
from pipelines.features.ranking import ranking_in_use, rules_count_column
from pipelines.reports import labels_zh as zh
from pipelines.settings import Settings

if TYPE_CHECKING:
    from models.risk.train import TrainedModel

log = logging.getLogger(__name__)

FALLBACK_NOTE_ZH = "风险模型未训练，按触发预警规则数排序"
STALE_MODEL_NOTE_ZH = "风险模型与当前特征不一致（需重新训练），按触发预警规则数排序"


def rules_fallback(
    features: pl.DataFrame, note: str = FALLBACK_NOTE_ZH, settings: Settings | None = None
) -> pl.DataFrame:
    """Score = the rules count ÷ its maximum (0–1); factors name the rules that fire (rule_firing at as_of, most
    severe first: `rules_fired`), after `note`.

    The rules count is the first of settings.own_history.rules_count_columns the features carry (the same column
    the own-history backtest ranks by)."""
    column = rules_count_column(features.columns, settings or Settings())
    top = max(float(features[column].cast(pl.Float64).max() or 0.0), 1.0)  # type: ignore[arg-type]
    factors = [
        f"{note}：" + ("；".join(zh.rule_label(r) for r in fired[:3]) if len(fired) else "无规则信号")
        for fired in features["rules_fired"].to_list()
    ]
    return pl.DataFrame(
        {
            "project_code": features["project_code"],
            "score": (features[column].cast(pl.Float64) / top),
            "factors_zh": factors,
            "score_source": ["rules_fallback"] * features.height,
        },
        schema_overrides={"factors_zh": pl.Utf8},
    )


class ModelPreload:
    """The model of the ranking in use on `warehouse`, read in a thread: scikit-learn's import and the joblib file
    (≈ 1 CPU-s) while the nightly's models step builds the SQL models, whose DuckDB work leaves the interpreter
    free. `model(path)` waits for it; None when the ranking uses no model, the path differs, or reading failed
    (score_projects then reads it itself, as without a preload, and reports what is wrong)."""

    def __init__(self, warehouse: Path | None, settings: Settings) -> None:
        self._path: Path | None = None
        self._model: TrainedModel | None = None
        self._thread = threading.Thread(
            target=self._load, args=(warehouse, settings), name="risk-model-preload", daemon=True
        )
        self._thread.start()

    def _load(self, warehouse: Path | None, settings: Settings) -> None:
        try:
            path = ranking_in_use(warehouse, settings).model_path
            if path is None or not (path.parent / "metadata.json").exists():
                return
            from models.risk.train import load

            self._model, self._path = load(path), path
        except Exception as exc:  # read again where it is used, which reports it
            log.info("the risk model was not preloaded: %s", exc)

    def model(self, path: Path) -> TrainedModel | None:
        self._thread.join()
        return self._model if self._path == Path(path) else None


def score_projects(
    con: duckdb.DuckDBPyConnection,
    as_of: date,
    settings: Settings,
    model_path: Path | None = None,
    warehouse: Path | None = None,
    *,
    rules_built: bool = False,
    preload: ModelPreload | None = None,
) -> pl.DataFrame:
    """project_code, score (0–1), factors_zh, score_source ('model' | 'rules_fallback') for in-scope projects.

    Without `model_path`, the ranking `wagewatch train --warehouse` chose for `warehouse` (ranking.ranking_in_use):
    its own promoted model, the shipped prior, or the rules count when the backtest found the model worse.
    `rules_built`: the warehouse's rule tables were built tonight at as_of (the nightly run's models step).
    `preload`: the model already being read (ModelPreload), used when it is the one this ranking scores with."""
    features = project_features(con, as_of, settings, rules_built=rules_built)
    if model_path is None:
        ranking = ranking_in_use(warehouse, settings)
        if ranking.source == "rules":
            log.info("the own-history backtest chose the rules count for %s", warehouse)
            return rules_fallback(features, zh.RULES_RANKING_NOTE, settings)
        model_path = ranking.model_path or settings.paths.model_dir / "model.joblib"
    model_path = Path(model_path)
    if not model_path.exists() or not (model_path.parent / "metadata.json").exists():
        log.warning("no trained risk model at %s: scores fall back to the rules-only ranking", model_path)
        return rules_fallback(features, settings=settings)
    from models.risk.features import FEATURES
    from models.risk.predict import score
    from models.risk.train import load

    model = (preload.model(model_path) if preload is not None else None) or load(model_path)
    if model.metadata.get("features") != FEATURES:
        # a model trained before the features changed would fail or, worse, read columns in the wrong place
        log.warning(
            "the risk model at %s was trained on other features: retrain it (wagewatch train)", model_path
        )
        return rules_fallback(features, STALE_MODEL_NOTE_ZH, settings)
    scored = score(model, features)
    return scored.with_columns(pl.lit("model").alias("score_source"))
