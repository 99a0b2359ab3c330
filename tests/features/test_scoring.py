"""Nightly scoring: with a trained model every in-scope project gets a score and factors; without one, the
rules fallback says so on every line."""

from __future__ import annotations

from datetime import date

import models.risk.train
from models.risk.train import save, train
from pipelines.features import score_projects
from pipelines.features.scoring import FALLBACK_NOTE_ZH, STALE_MODEL_NOTE_ZH, ModelPreload
from pipelines.settings import Settings
from tests.features.given_world import tiny_world
from tests.models.synthetic_frame import synthetic_frame


def test_without_a_model_scores_fall_back_to_the_rules_and_say_so(tmp_path):
    # 30 June: P2's April shortfall is past its make-good window (R05 red), as on that night's list
    scores = score_projects(tiny_world(), date(2025, 6, 30), Settings(), tmp_path / "model.joblib")
    assert scores["project_code"].to_list() == ["P1", "P2"]
    assert scores["score_source"].unique().to_list() == ["rules_fallback"]
    p1, p2 = scores["score"].to_list()
    assert p2 == 1.0 > p1 >= 0
    assert all(f.startswith(FALLBACK_NOTE_ZH) for f in scores["factors_zh"])
    # the rules rule_firing lists, most severe first, in the catalogue's words
    assert (
        scores["factors_zh"][1]
        == f"{FALLBACK_NOTE_ZH}：R05 工资未足额发放；R06 出勤工人无工资记录；R04 未通过专户代发工资"
    )


def test_with_a_model_every_project_has_a_probability_and_factors(tmp_path):
    model = train(synthetic_frame(n_projects=300, n_months=4), kinds=("logistic",))
    path = save(model, tmp_path)
    scores = score_projects(tiny_world(), date(2025, 5, 31), Settings(), path)
    assert scores.height == 2
    assert scores["score_source"].unique().to_list() == ["model"]
    assert scores["score"].is_between(0, 1).all()
    assert scores["factors_zh"].str.len_chars().min() > 0
    p2 = scores.filter(scores["project_code"] == "P2").row(0, named=True)
    assert "人工费" in p2["factors_zh"] or "工资" in p2["factors_zh"]


def test_a_model_trained_on_other_features_is_not_used(tmp_path):
    model = train(synthetic_frame(n_projects=300, n_months=4), kinds=("logistic",))
    model.metadata["features"] = model.metadata["features"][:-1]  # as if trained before a feature was added
    path = save(model, tmp_path)
    scores = score_projects(tiny_world(), date(2025, 5, 31), Settings(), path)
    assert scores["score_source"].unique().to_list() == ["rules_fallback"]
    assert all(f.startswith(STALE_MODEL_NOTE_ZH) for f in scores["factors_zh"])


def test_a_model_read_ahead_scores_as_the_one_read_in_the_step(tmp_path, monkeypatch):
    """The nightly reads the ranking's model in a thread during the models step (ModelPreload): the step uses it
    instead of reading the file again, with the same scores and factors; a preload of another model is not used."""
    settings = Settings()
    settings.paths.model_dir = tmp_path / "prior"  # the ranking in use without a decision: the shipped prior
    path = save(
        train(synthetic_frame(n_projects=300, n_months=4), kinds=("logistic",)), settings.paths.model_dir
    )
    read_in_step = score_projects(tiny_world(), date(2025, 5, 31), settings, warehouse=tmp_path / "wh.duckdb")
    preload = ModelPreload(tmp_path / "wh.duckdb", settings)
    assert preload.model(path) is not None
    assert preload.model(tmp_path / "other" / "model.joblib") is None

    def not_again(_: object) -> None:
        raise AssertionError("the model was read again")

    monkeypatch.setattr(models.risk.train, "load", not_again)
    preloaded = score_projects(
        tiny_world(), date(2025, 5, 31), settings, warehouse=tmp_path / "wh.duckdb", preload=preload
    )
    assert preloaded.equals(read_in_step)
    assert preloaded["score_source"].unique().to_list() == ["model"]
