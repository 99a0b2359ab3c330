"""Score projects with a trained model and name each score's top three factors in plain Chinese.

Attribution (documented in MODEL_CARD.md):
- logistic: contribution of a feature = Σ over its transformed columns of coefficient × standardised value
  (coefficients averaged over the calibration folds), i.e. its share of the log-odds against an average project;
- hgb: local perturbation: p(x) − p(x with the feature set to its typical training value), one feature at a time.
Only contributions that raise the risk are named, and only features that read as a risk at their value
(features.is_risk_factor: not the project's context such as its investment type or size, not the rules' signal);
a project without any is told so.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import polars as pl

from models.risk.features import CATEGORICAL, FEATURES, NUMERIC, factor_text, is_risk_factor
from models.risk.train import TrainedModel, to_pandas

N_FACTORS = 3
NO_FACTOR_ZH = "未发现突出风险因素（评分较低）"


def predict_proba(model: TrainedModel, features: Any) -> np.ndarray:
    """Calibrated probability of an arrears event within the horizon."""
    df = to_pandas(features)
    return model.pipeline.predict_proba(df[FEATURES])[:, 1]


def _linear_contributions(model: TrainedModel, df: pd.DataFrame) -> pd.DataFrame:
    prep = model.pipeline.named_steps["preprocess"]
    calibrated = model.pipeline.named_steps["classifier"]
    coef = np.mean([c.estimator.coef_[0] for c in calibrated.calibrated_classifiers_], axis=0)
    z = prep.transform(df[FEATURES])
    names = prep.get_feature_names_out()
    contrib = pd.DataFrame(z * coef, columns=names, index=df.index)
    out = pd.DataFrame(0.0, index=df.index, columns=FEATURES)
    for name in names:
        base = name.removeprefix("missingindicator_")
        owner = base if base in NUMERIC else next((c for c in CATEGORICAL if base.startswith(f"{c}_")), None)
        if owner is not None:
            out[owner] += contrib[name]
    return out


def _perturbation_contributions(model: TrainedModel, df: pd.DataFrame, p: np.ndarray) -> pd.DataFrame:
    ref = model.reference_values
    out = pd.DataFrame(0.0, index=df.index, columns=FEATURES)
    for c in FEATURES:
        moved = df[FEATURES].copy()
        moved[c] = ref[c]
        out[c] = p - model.pipeline.predict_proba(moved)[:, 1]
    return out


def contributions(model: TrainedModel, features: Any) -> pd.DataFrame:
    """Per project × feature: how much the feature raises the risk (see module docstring)."""
    df = to_pandas(features)
    if model.kind == "logistic":
        return _linear_contributions(model, df)
    return _perturbation_contributions(model, df, predict_proba(model, df))


def score(model: TrainedModel, features: Any) -> pl.DataFrame:
    """project_code, score (0–1 probability), factors_zh (top three risk-raising factors, '；'-joined)."""
    df = to_pandas(features).reset_index(drop=True)
    if df.empty:
        return pl.DataFrame(schema={"project_code": pl.String, "score": pl.Float64, "factors_zh": pl.String})
    p = predict_proba(model, df)
    contrib = contributions(model, df)
    factors = []
    for i in range(len(df)):
        row = contrib.iloc[i]
        raising = row[row > 1e-9].sort_values(ascending=False)
        top = [f for f in raising.index if is_risk_factor(f, df.at[i, f])][:N_FACTORS]
        texts = [factor_text(f, df.at[i, f]) for f in top]
        factors.append("；".join(texts) if texts else NO_FACTOR_ZH)
    return pl.DataFrame(
        {"project_code": df["project_code"].astype(str).tolist(), "score": p, "factors_zh": factors}
    )
