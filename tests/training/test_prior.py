"""`wagewatch train` end to end on small generated worlds: the protocol's split, the saved model, the card."""

from __future__ import annotations

import json

import pytest

from models.risk.backtest import evaluate
from models.risk.predict import predict_proba
from models.risk.train import load, to_pandas
from pipelines.settings import Settings
from pipelines.training.prior import METRICS_END, METRICS_START, train_and_validate, world_frame

pytestmark = pytest.mark.slow

CARD = f"# card\n\nhead\n{METRICS_START}\nold numbers\n{METRICS_END}\n\n## Limits\nkept\n"


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("train")
    card = tmp / "MODEL_CARD.md"
    card.write_text(CARD, encoding="utf-8")
    report = train_and_validate(
        out=tmp / "artifacts",
        seed=3,
        validation_seed=4,
        tier="demo",
        n_projects=80,
        work_dir=tmp / "worlds",
        model_card=card,
        also_validate=(5,),
    )
    return tmp, card, report


def test_training_rows_closed_before_the_test_window_opens(trained):
    r = trained[2]["metrics"]
    assert r["train_window"][1] < r["test_window"][0]
    assert r["n_train_rows"] > 0
    assert r["n_test_rows"] > 0
    assert 0 <= r["held_out"]["model"]["precision_at_k"] <= 1


def test_another_held_out_world_is_scored_by_the_saved_model_on_its_own_last_months(trained):
    tmp, _, report = trained
    model = load(report["model_path"])
    frame = to_pandas(world_frame(tmp / "worlds" / "demo-80-seed5", Settings()))
    rows = frame[frame["as_of"].isin(sorted(frame["as_of"].unique())[-3:])]
    again = evaluate(rows, predict_proba(model, rows))
    reported = report["metrics"]["also_validated"]["5"]
    assert reported["n_rows"] == len(rows)
    for ranking in ("model", "rules", "ceiling"):
        assert reported[ranking]["precision_at_k"] == pytest.approx(again[ranking]["precision_at_k"])
    meta = json.loads((tmp / "artifacts" / "metadata.json").read_text(encoding="utf-8"))
    assert set(meta["validation"]["also_validated"]) == {"5"}


def test_the_card_gets_the_command_and_a_row_per_world_between_its_markers(trained):
    _, card, report = trained
    text = card.read_text(encoding="utf-8")
    assert text.startswith("# card\n\nhead\n")
    assert text.endswith("## Limits\nkept\n")
    assert "old numbers" not in text
    assert "`wagewatch train --seed 3 --validation-seed 4 --also-validate 5`" in text
    h = report["metrics"]["also_validated"]["5"]
    assert f"| 5 | {h['n_rows']} | {h['event_rate']:.3f} | {h['model']['precision_at_k']:.3f} |" in text
    assert "| 4 | " in text
    assert "Over the 2 worlds: lift over rules" in text


@pytest.mark.parametrize("seed", [3, 4])
def test_a_seed_used_for_training_or_validation_is_not_another_held_out_world(seed, tmp_path):
    with pytest.raises(ValueError, match="other than the training"):
        train_and_validate(
            seed=3, validation_seed=4, also_validate=(seed,), work_dir=tmp_path, model_card=None
        )
    assert not any(tmp_path.iterdir())  # refused before generating anything
