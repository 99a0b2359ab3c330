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

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
from threadpoolctl import threadpool_limits

from models.risk.features import CATEGORICAL, FEATURES, NUMERIC, factor_text, is_risk_factor
from models.risk.train import TrainedModel, to_pandas

N_FACTORS = 3
NO_FACTOR_ZH = "未发现突出风险因素（评分较低）"


def _proba(model: TrainedModel, x: pd.DataFrame) -> np.ndarray:
    """The pipeline's probability of the positive class, on one OpenMP thread: a tree's prediction is the same on
    any number of threads, and on a shared 2-core machine the pool's idle threads spin (1,556 city projects: 5.6 s on
    two threads under load, 0.3 s on one)."""
    with threadpool_limits(limits=1, user_api="openmp"):
        return model.pipeline.predict_proba(x)[:, 1]


def predict_proba(model: TrainedModel, features: Any) -> np.ndarray:
    """Calibrated probability of an arrears event within the horizon."""
    df = to_pandas(features)
    return _proba(model, df[FEATURES])


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


def _boosters(model: TrainedModel) -> list[Any]:
    """The fitted HistGradientBoosting of each calibration fold (none for another kind of classifier, or one with
    categorical splits: then every copy goes through every tree)."""
    calibrated = model.pipeline.named_steps["classifier"]
    estimators = [c.estimator for c in getattr(calibrated, "calibrated_classifiers_", [])]
    if not estimators or not all(hasattr(e, "_predictors") for e in estimators):
        return []
    for estimator in estimators:  # numeric thresholds only (a categorical split tests a bitset)
        if any(p.nodes["is_categorical"].any() for per_class in estimator._predictors for p in per_class):
            return []
    return estimators


@contextmanager
def _unchanged_trees_reused(
    estimators: list[Any], z: np.ndarray, origin: np.ndarray, blocks: list[tuple[int, int, set[int]]]
) -> Iterator[None]:
    """While the stacked moved copies are predicted: a tree adds, for a copy, the leaf value of the copy's original
    row when it splits on none of the columns moving the copy's feature changed (the copy then reaches the same
    leaf), and predicts the copy only otherwise. The same values are added in the same order as sklearn's own loop
    (`_predict_iterations`: baseline, then tree after tree), so the sums are the same, bit for bit.

    `z`: the original rows as the preprocessing gives them to the trees; `origin`: each copy's original row;
    `blocks`: (first copy, end, the columns changed) per moved feature, in the stacked order."""

    def patched(estimator: Any) -> Any:
        def iterations(x: Any, predictors: Any, raw: np.ndarray, is_binned: bool, n_threads: int) -> None:
            bitsets, f_idx_map = estimator._bin_mapper.make_known_categories_bitsets()
            original = estimator._preprocess_X(z, reset=False)
            for per_class in predictors:
                for k, predictor in enumerate(per_class):
                    nodes = predictor.nodes
                    used = set(nodes["feature_idx"][nodes["is_leaf"] == 0].tolist())
                    values = predictor.predict(original, bitsets, f_idx_map, n_threads)[origin]
                    for start, end, changed in blocks:
                        if end > start and used & changed:
                            values[start:end] = predictor.predict(x[start:end], bitsets, f_idx_map, n_threads)
                    raw[:, k] += values

        return iterations

    try:
        for estimator in estimators:
            estimator._predict_iterations = patched(estimator)  # the instance's, for this call only
        yield
    finally:
        for estimator in estimators:
            estimator.__dict__.pop("_predict_iterations", None)


def _perturbation_contributions(model: TrainedModel, df: pd.DataFrame, p: np.ndarray) -> pd.DataFrame:
    """One prediction over every feature's moved copy of the rows, stacked: a row's probability does not depend on
    the other rows of the call, so this equals one call per feature, bit for bit. A row already at the typical
    value is not moved (its copy is itself: p − p = 0), nor one the preprocessing gives the trees unchanged; the
    trees that do not split on what moved are not evaluated again (_unchanged_trees_reused; docs/decisions.md
    "Score step, second round"). The preprocessing, row by row too, runs once over all the moved copies, and the
    classifier predicts from its output (what the pipeline's predict_proba does with the same rows)."""
    ref = model.reference_values
    x = df[FEATURES].reset_index(drop=True)
    estimators = _boosters(model)
    prep = model.pipeline.named_steps["preprocess"]
    moved: list[pd.DataFrame] = []
    where: list[tuple[int, np.ndarray]] = []
    for j, c in enumerate(FEATURES):
        rows = np.flatnonzero(~(x[c] == ref[c]).to_numpy(dtype=bool))  # a missing value is moved too
        block = x.iloc[rows].copy()
        block[c] = ref[c]
        moved.append(block)
        where.append((j, rows))
    out = np.zeros((len(x), len(FEATURES)))
    if not sum(len(rows) for _, rows in where):
        return pd.DataFrame(out, index=df.index, columns=FEATURES)
    stacked = pd.concat(moved, ignore_index=True)
    if not estimators:
        q = _proba(model, stacked)
    else:
        z = np.asarray(prep.transform(x), dtype=float)
        now_all = prep.transform(stacked)
        now = np.asarray(now_all, dtype=float)
        kept: list[np.ndarray] = []
        blocks: list[tuple[int, int, set[int]]] = []
        start = at = 0
        for k, (j, rows) in enumerate(where):
            given, block_now = z[rows], now[at : at + len(rows)]
            changed = ~((given == block_now) | (np.isnan(given) & np.isnan(block_now)))
            keep = changed.any(axis=1)
            kept.append(np.flatnonzero(keep) + at)
            where[k] = (j, rows[keep])
            blocks.append((start, start + int(keep.sum()), set(np.flatnonzero(changed.any(axis=0)).tolist())))
            start += int(keep.sum())
            at += len(rows)
        take = np.concatenate(kept)
        if not len(take):
            return pd.DataFrame(out, index=df.index, columns=FEATURES)
        origin = np.concatenate([rows for _, rows in where])
        with _unchanged_trees_reused(estimators, z, origin, blocks):
            q = _classifier_proba(model, _rows_of(now_all, take))
    start = 0
    for j, rows in where:
        out[rows, j] = p[rows] - q[start : start + len(rows)]
        start += len(rows)
    return pd.DataFrame(out, index=df.index, columns=FEATURES)


def _rows_of(transformed: Any, take: np.ndarray) -> Any:
    """These rows of the preprocessing's output (an array, a sparse matrix or a DataFrame, as it was configured)."""
    if isinstance(transformed, pd.DataFrame):
        return transformed.iloc[take]
    return transformed[take]


def _classifier_proba(model: TrainedModel, transformed: Any) -> np.ndarray:
    """The pipeline's last step on rows already preprocessed: the pipeline's probability of those rows."""
    with threadpool_limits(limits=1, user_api="openmp"):
        return model.pipeline.named_steps["classifier"].predict_proba(transformed)[:, 1]


def contributions(model: TrainedModel, features: Any, p: np.ndarray | None = None) -> pd.DataFrame:
    """Per project × feature: how much the feature raises the risk (see module docstring); `p`: the rows'
    probabilities when already known."""
    df = to_pandas(features)
    if model.kind == "logistic":
        return _linear_contributions(model, df)
    return _perturbation_contributions(model, df, predict_proba(model, df) if p is None else p)


def _descending(values: np.ndarray) -> np.ndarray:
    """The order pandas' Series.sort_values(ascending=False) gives (its nargsort: reversed, quicksort, reversed),
    ties included, without building a Series per row."""
    n = len(values)
    return np.arange(n)[::-1][values[::-1].argsort(kind="quicksort")][::-1]


def score(model: TrainedModel, features: Any) -> pl.DataFrame:
    """project_code, score (0–1 probability), factors_zh (top three risk-raising factors, '；'-joined)."""
    df = to_pandas(features).reset_index(drop=True)
    if df.empty:
        return pl.DataFrame(schema={"project_code": pl.String, "score": pl.Float64, "factors_zh": pl.String})
    p = predict_proba(model, df)
    contrib = contributions(model, df, p)
    names = np.array(contrib.columns, dtype=object)
    values = contrib.to_numpy()
    # each feature's values as numpy scalars, as df.at gives them (a per-cell df.at cost seconds on 7,000 rows)
    cells = {f: df[f].to_numpy() for f in names}
    factors = []
    for i in range(len(df)):
        raising = values[i] > 1e-9
        order = _descending(values[i][raising])
        top: list[str] = []
        for f in names[raising][order]:
            if is_risk_factor(f, cells[f][i]):
                top.append(f)
                if len(top) == N_FACTORS:
                    break
        texts = [factor_text(f, cells[f][i]) for f in top]
        factors.append("；".join(texts) if texts else NO_FACTOR_ZH)
    return pl.DataFrame(
        {"project_code": df["project_code"].astype(str).tolist(), "score": p, "factors_zh": factors}
    )
