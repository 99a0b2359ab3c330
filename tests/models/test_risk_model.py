"""The risk model: learns a planted signal, beats shuffled labels, names factors, saves one Pipeline."""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from sklearn.pipeline import Pipeline

from models.risk.backtest import backtest, precision_at_k, shuffled_label_control
from models.risk.predict import NO_FACTOR_ZH, score
from models.risk.train import load, save, train
from tests.models.synthetic_frame import synthetic_frame

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def frame():
    return synthetic_frame()


def test_models_never_import_pipelines():
    for path in (REPO / "models").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not any(n == "pipelines" or n.startswith("pipelines.") for n in names), path


def test_precision_at_k_counts_ties_at_their_mean():
    y = np.array([1, 0, 1, 0])
    assert precision_at_k(y, np.array([4, 3, 2, 1]), 2) == 0.5
    assert precision_at_k(y, np.array([1, 1, 1, 1]), 2) == 0.5
    # the top one is an event; one of three tied (one event among them) fills the second place: (1 + 1/3) / 2
    assert precision_at_k(y, np.array([5, 1, 1, 1]), 2) == pytest.approx(2 / 3)


@pytest.mark.parametrize("kind", ["hgb", "logistic"])
def test_model_beats_a_shuffled_label_control(frame, kind):
    kwargs = {"test_start": date(2025, 9, 30), "test_months": 2, "kind": kind, "random_state": 3}
    real = backtest(frame, **kwargs)
    control = shuffled_label_control(frame, **kwargs)
    assert real["model"]["auc_pr"] > control["model"]["auc_pr"] + 0.1
    assert real["model"]["precision_at_k"] > control["model"]["precision_at_k"]
    assert real["brier"] < real["brier_base_rate"]  # calibrated probabilities beat the base rate
    assert real["n_train_rows"] == 600 * 6  # only snapshots whose labels closed before the test window


def test_every_scored_project_has_factors_and_a_probability(frame, tmp_path):
    model = train(frame[frame["as_of"] <= "2025-06-30"], kinds=("logistic",), random_state=0)
    latest = frame[frame["as_of"] == frame["as_of"].max()]
    scored = score(model, latest)
    assert scored.height == len(latest)
    assert scored["score"].is_between(0, 1).all()
    assert scored["factors_zh"].str.len_chars().min() > 0
    riskiest = scored.sort("score", descending=True).row(0, named=True)
    assert riskiest["factors_zh"] != NO_FACTOR_ZH
    assert any(word in riskiest["factors_zh"] for word in ("人工费", "工资", "工程款"))

    path = save(model, tmp_path)
    again = load(path)
    assert isinstance(again.pipeline, Pipeline)
    assert (tmp_path / "metadata.json").exists()
    assert np.allclose(score(again, latest)["score"].to_numpy(), scored["score"].to_numpy())


def test_boosting_factors_come_from_local_perturbation(frame):
    model = train(frame[frame["as_of"] <= "2025-06-30"], kinds=("hgb",), random_state=0)
    scored = score(model, frame[frame["as_of"] == frame["as_of"].max()])
    top = scored.sort("score", descending=True).head(20)
    assert top["factors_zh"].str.contains("人工费|工资|工程款").mean() > 0.8


def test_stacked_perturbation_equals_one_prediction_per_feature_bit_for_bit(frame):
    # the nightly scores every project in one stacked prediction (models/risk/predict.py): the same numbers and the
    # same factors, ties included, as one prediction per feature and a pandas sort per row
    from models.risk.features import FEATURES, factor_text, is_risk_factor
    from models.risk.predict import N_FACTORS, contributions, predict_proba
    from models.risk.train import to_pandas

    model = train(frame[frame["as_of"] <= "2025-06-30"], kinds=("hgb",), random_state=0)
    latest = to_pandas(frame[frame["as_of"] == frame["as_of"].max()]).reset_index(drop=True)
    latest.loc[::7, "n_complaints_12m"] = np.nan  # a missing value is moved to the typical one too
    p = model.pipeline.predict_proba(latest[FEATURES])[:, 1]
    naive = {}
    for c in FEATURES:
        moved = latest[FEATURES].copy()
        moved[c] = model.reference_values[c]
        naive[c] = p - model.pipeline.predict_proba(moved)[:, 1]
    got = contributions(model, latest)
    assert (predict_proba(model, latest) == p).all()
    assert all((got[c].to_numpy() == naive[c]).all() for c in FEATURES)
    assert (got.to_numpy() == 0).any()  # rows at the typical value were not moved: exactly 0
    factors = []
    for i in range(len(latest)):
        row = got.iloc[i]
        raising = row[row > 1e-9].sort_values(ascending=False)
        top = [f for f in raising.index if is_risk_factor(f, latest.at[i, f])][:N_FACTORS]
        factors.append("；".join(factor_text(f, latest.at[i, f]) for f in top) if top else NO_FACTOR_ZH)
    assert score(model, latest)["factors_zh"].to_list() == factors


def test_selection_is_time_ordered_and_recorded(frame):
    model = train(frame, random_state=0)
    sel = model.metadata["selection"]
    assert sel["chosen"] in ("hgb", "logistic")
    assert sel["validation_from"] == "2025-08-31"
    assert model.metadata["sklearn_version"]


def test_selection_on_few_snapshots_uses_disjoint_projects(frame):
    # the protocol's training window is short (labels must close before the test window): two month ends
    two = frame[frame["as_of"].isin(sorted(frame["as_of"].unique())[:2])]
    sel = train(two, random_state=0).metadata["selection"]
    assert sel["method"] == "3 folds of disjoint projects"
    assert set(sel["validation_metrics"]) == {"hgb", "logistic"}
    best = max(sel["validation_metrics"].values(), key=lambda m: (m["precision_at_k"], m["auc_pr"]))
    assert sel["validation_metrics"][sel["chosen"]] == best


def test_a_line_names_only_risks_with_their_number():
    from models.risk.features import is_risk_factor

    # issue 16: context and the rules' own signal are not reasons; a safe state is not a risk
    assert not is_risk_factor("invest_type", "02")
    assert not is_risk_factor("rules_signal_score", 19)
    assert not is_risk_factor("balance_months_of_payroll", 13.9)
    assert not is_risk_factor("has_valid_guarantee", 1.0)
    assert not is_risk_factor("n_late_pay_months_6m", 0)
    assert not is_risk_factor("owner_pay_rate_1m", float("nan"))
    assert is_risk_factor("balance_months_of_payroll", 0.4)
    assert is_risk_factor("has_valid_guarantee", 0.0)
    assert is_risk_factor("n_late_pay_months_6m", 2)
    assert is_risk_factor("owner_pay_rate_1m", 0.0)
    assert not is_risk_factor("owner_pay_rate_1m", 0.97)
