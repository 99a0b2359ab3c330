"""The boosting model's factors reuse the trees a moved feature does not reach (models/risk/predict.py): the same
contributions, bit for bit, as predicting every moved copy through every tree."""

from __future__ import annotations

import numpy as np

from models.risk import predict
from models.risk.train import to_pandas, train
from tests.models.synthetic_frame import synthetic_frame


def test_reusing_the_unreached_trees_gives_the_same_contributions_bit_for_bit(monkeypatch):
    frame = synthetic_frame()
    model = train(frame[frame["as_of"] <= "2025-06-30"], kinds=("hgb",), random_state=0)
    latest = to_pandas(frame[frame["as_of"] == frame["as_of"].max()]).reset_index(drop=True)
    latest.loc[::5, "owner_pay_rate_3m"] = (
        np.nan
    )  # a missing value is moved too (its indicator column changes)
    assert predict._boosters(model)  # the calibrated boosting model takes the reuse path
    predicted: list[int] = []
    original = predict._unchanged_trees_reused

    def counted(estimators, z, origin, blocks):
        predicted.append(sum(end - start for start, end, _ in blocks))
        return original(estimators, z, origin, blocks)

    monkeypatch.setattr(predict, "_unchanged_trees_reused", counted)
    p = predict.predict_proba(model, latest)
    reused = predict.contributions(model, latest, p)
    assert predicted
    assert predicted[0] > 0
    monkeypatch.setattr(predict, "_boosters", lambda _: [])  # every copy through every tree, as before
    every_tree = predict.contributions(model, latest, p)
    assert (reused.to_numpy() == every_tree.to_numpy()).all()
    assert (reused.to_numpy() != 0).any()
    assert (
        model.pipeline.named_steps["classifier"]
        .calibrated_classifiers_[0]
        .estimator.__dict__.get("_predict_iterations")
        is None
    )  # the estimators are left as they were
