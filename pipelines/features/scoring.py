"""Nightly scoring: point-in-time features → the trained model; without a model, a clearly-labelled rules fallback."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from pipelines.features.extract import project_features
from pipelines.features.ranking import ranking_in_use, rules_count_column
from pipelines.reports import labels_zh as zh
from pipelines.settings import Settings

log = logging.getLogger(__name__)

FALLBACK_NOTE_ZH = "风险模型未训练，按预警规则信号排序"
STALE_MODEL_NOTE_ZH = "风险模型与当前特征不一致（需重新训练），按预警规则信号排序"

RULE_SIGNAL_ZH = {
    "r01_red": "R01 连续或累计多月无人工费拨付",
    "r01_yellow": "R01 上月施工但无人工费拨付",
    "r02_orange": "R02 人工费拨付低于应拨比例",
    "r03_red": "R03 工资未按期发放",
    "r05_red": "R05 工资未足额发放且未补发",
    "r06_red": "R06 出勤工人无工资发放记录",
    "r09_orange": "R09 项目经理到岗率低或未设置",
    "r10_orange": "R10 考勤中断或人数骤降",
    "r11_orange": "R11 无有效或不足额工程款支付担保",
    "r12_yellow": "R12 总包单位无有效工资保证金",
    "r13_orange": "R13 参建企业近两年有欠薪失信/违法分包记录",
    "r14_red": "R14 有未办结欠薪投诉",
    "r14_orange": "R14 近12个月有查实欠薪投诉",
    "r15_orange": "R15 专户余额不足下月工资",
}


def rules_fallback(
    features: pl.DataFrame, note: str = FALLBACK_NOTE_ZH, settings: Settings | None = None
) -> pl.DataFrame:
    """Score = the rules count ÷ its maximum (0–1); factors name the rule signals that fire, after `note`.

    The rules count is the first of settings.own_history.rules_count_columns the features carry (the same column
    the own-history backtest ranks by)."""
    column = rules_count_column(features.columns, settings or Settings())
    top = max(float(features[column].cast(pl.Float64).max() or 0.0), 1.0)  # type: ignore[arg-type]
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
            "score": (features[column].cast(pl.Float64) / top),
            "factors_zh": factors,
            "score_source": ["rules_fallback"] * features.height,
        }
    )


def score_projects(
    con: duckdb.DuckDBPyConnection,
    as_of: date,
    settings: Settings,
    model_path: Path | None = None,
    warehouse: Path | None = None,
) -> pl.DataFrame:
    """project_code, score (0–1), factors_zh, score_source ('model' | 'rules_fallback') for in-scope projects.

    Without `model_path`, the ranking `wagewatch train --warehouse` chose for `warehouse` (ranking.ranking_in_use):
    its own promoted model, the shipped prior, or the rules count when the backtest found the model worse."""
    features = project_features(con, as_of, settings)
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

    model = load(model_path)
    if model.metadata.get("features") != FEATURES:
        # a model trained before the features changed would fail or, worse, read columns in the wrong place
        log.warning(
            "the risk model at %s was trained on other features: retrain it (wagewatch train)", model_path
        )
        return rules_fallback(features, STALE_MODEL_NOTE_ZH, settings)
    scored = score(model, features)
    return scored.with_columns(pl.lit("model").alias("score_source"))
