"""The one sklearn Pipeline that is the saved model: preprocessing → calibrated classifier."""

from __future__ import annotations

from typing import Literal

from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from models.risk.features import preprocessor

Kind = Literal["hgb", "logistic"]
KINDS: tuple[Kind, ...] = ("hgb", "logistic")


def estimator(kind: Kind, random_state: int = 0):
    """The uncalibrated classifier of a kind (regularised: few events, correlated features)."""
    if kind == "hgb":
        return HistGradientBoostingClassifier(
            learning_rate=0.05,
            max_iter=250,
            max_leaf_nodes=15,
            min_samples_leaf=40,
            l2_regularization=1.0,
            early_stopping=False,
            random_state=random_state,
        )
    if kind == "logistic":
        return LogisticRegression(C=0.1, max_iter=3000)
    raise ValueError(f"unknown model kind {kind!r}")


def build_pipeline(kind: Kind = "hgb", random_state: int = 0, calibration_folds: int = 3) -> Pipeline:
    """preprocess → CalibratedClassifierCV(estimator, sigmoid): the score is a probability of an arrears event."""
    return Pipeline(
        [
            ("preprocess", preprocessor(kind)),
            (
                "classifier",
                CalibratedClassifierCV(estimator(kind, random_state), method="sigmoid", cv=calibration_folds),
            ),
        ]
    )
