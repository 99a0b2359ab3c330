"""`wagewatch train --warehouse`: own-history snapshots and labels, champion/challenger, the stored decision that
the next nightly scoring follows, and the card — on one real warehouse loaded from a small generated world."""

from __future__ import annotations

import json
import shutil
from datetime import date, timedelta

import duckdb
import polars as pl
import pytest

from models.risk.champion import decide
from pipelines import night_steps
from pipelines.features import score_projects
from pipelines.features.ranking import CARD_FILE, RANKING_FILE, model_home, ranking_in_use
from pipelines.reports import labels_zh as zh
from pipelines.runs import WarehouseBusyError, warehouse_lock
from pipelines.settings import Settings
from pipelines.training.own_history import own_frame, retrain_own_history, train_own_history
from pipelines.training.prior import generate_world, load_world

pytestmark = pytest.mark.slow


def _settings(tmp, **own) -> Settings:
    s = Settings()
    s.paths.model_dir = tmp / "no_prior"  # no shipped prior: the candidate has no current model to beat
    for k, v in own.items():
        setattr(s.own_history, k, v)
    return s


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A 120-project demo world (seed 7) loaded into a warehouse file, and its own-history frame (built once)."""
    tmp = tmp_path_factory.mktemp("own")
    folder = generate_world("demo", 7, tmp / "world", 120)
    con = load_world(folder, Settings(), tmp / "source.duckdb")
    data = own_frame(con, Settings())
    con.close()
    return tmp, data


def _warehouse(world, name):
    """A fresh copy of the loaded warehouse (each test writes its own `<warehouse>.models/`)."""
    tmp, _ = world
    path = tmp / f"{name}.duckdb"
    shutil.copy(tmp / "source.duckdb", path)
    return path


def test_snapshots_are_the_closed_month_ends_and_labels_come_from_the_warehouse(world):
    _, data = world
    assert data["label_complete_date"].max() <= date(2025, 12, 31)  # the world's last extract
    assert data["as_of"].n_unique() >= 6
    assert (data["train_label"] >= data["label"]).all()
    assert data["label"].sum() >= 30
    assert "rules_score" in data.columns


def test_outcome_01_adds_a_positive_training_label_and_03_removes_none(world, tmp_path):
    _, data = world
    as_of = data["as_of"].max()
    at = data.filter(pl.col("as_of") == as_of)
    quiet = at.filter(pl.col("label") == 0)["project_code"][0]
    troubled = at.filter(pl.col("label") == 1)["project_code"][0]
    path = _warehouse(world, "outcomes")
    con = duckdb.connect(str(path))
    warned = as_of + timedelta(days=10)
    for i, (project, outcome) in enumerate([(quiet, "01"), (troubled, "03")]):
        con.execute(
            "insert into raw_disposition (project_code, warning_date, inspect_date, outcome, arrears_amount, "
            "_file_id, _line, _extract_date) values (?, ?, ?, ?, 5000, 999, ?, ?)",
            [project, warned, warned + timedelta(days=3), outcome, i + 1, warned + timedelta(days=5)],
        )
    got = own_frame(con, Settings(), dates=[as_of]).filter(pl.col("project_code").is_in([quiet, troubled]))
    con.close()
    rows = {r["project_code"]: r for r in got.iter_rows(named=True)}
    assert (rows[quiet]["label"], rows[quiet]["train_label"], rows[quiet]["outcome_01"]) == (0, 1, 1)
    assert (rows[troubled]["label"], rows[troubled]["train_label"], rows[troubled]["outcome_03"]) == (1, 1, 1)


def test_a_candidate_that_wins_is_promoted_and_the_next_scoring_uses_it(world, tmp_path):
    _, data = world
    wh = _warehouse(world, "wins")
    s = _settings(tmp_path)
    r = train_own_history(wh, s, data=data)
    assert r["decision"]["promoted"] is True
    assert r["decision"]["ranking"] == "own_model"
    cmp = r["comparison"]
    assert cmp["candidate"]["precision_at_capacity"] >= cmp["rules"]["precision_at_capacity"]
    assert r["train_window"][1] < r["test_window"][0]
    home = model_home(wh)
    assert (home / "model.joblib").exists()
    assert json.loads((home / RANKING_FILE).read_text(encoding="utf-8"))["ranking"] == "own_model"
    card = (home / CARD_FILE).read_text(encoding="utf-8")
    assert "排序依据：本地历史训练模型" in card
    assert "| rules count |" in card
    assert f"wagewatch train --warehouse {wh}" in card
    # the next night on this warehouse: its own model, no flag
    assert ranking_in_use(wh, s).model_path == home / "model.joblib"
    assert night_steps.ranking_label(wh, s) == "排序依据：本地历史训练模型"
    con = duckdb.connect(str(wh))
    scores = score_projects(con, data["as_of"].max(), s, warehouse=wh)
    con.close()
    assert scores["score_source"].unique().to_list() == ["model"]


def test_a_model_that_loses_to_the_rules_count_does_not_rank_and_the_card_says_so(world, tmp_path):
    _, data = world
    wh = _warehouse(world, "loses")
    s = _settings(tmp_path)
    # a rules count that knows the future (the label itself): no model can beat it on the backtest
    oracle = data.with_columns(pl.col("label").cast(pl.Float64).alias("rules_score"))
    r = train_own_history(wh, s, data=oracle)
    assert (
        r["comparison"]["candidate"]["precision_at_capacity"]
        < r["comparison"]["rules"]["precision_at_capacity"]
    )
    assert r["decision"]["ranking"] == "rules"
    card = (model_home(wh) / CARD_FILE).read_text(encoding="utf-8")
    assert "排序依据：预警规则计数" in card
    assert "the rules count ranks the list" in card
    con = duckdb.connect(str(wh))
    scores = score_projects(con, data["as_of"].max(), s, warehouse=wh)
    con.close()
    assert scores["score_source"].unique().to_list() == ["rules_fallback"]
    assert all(f.startswith(zh.RULES_RANKING_NOTE) for f in scores["factors_zh"])
    assert night_steps.ranking_label(wh, s) == "排序依据：预警规则计数"


def test_too_little_history_keeps_the_model_in_use_and_says_so(world, tmp_path):
    _, data = world
    wh = _warehouse(world, "short")
    s = Settings()  # the shipped prior is the model in use
    s.own_history.min_closed_month_ends = data["as_of"].n_unique() + 1
    r = train_own_history(wh, s, data=data)
    assert r["decision"]["promoted"] is False
    assert r["decision"]["ranking"] == "prior"
    assert "too little history" in r["decision"]["reason"]
    assert "comparison" not in r
    assert not (model_home(wh) / "model.joblib").exists()
    assert "排序依据：内置先验模型" in (model_home(wh) / CARD_FILE).read_text(encoding="utf-8")


def test_the_monthly_retrain_refuses_while_a_night_holds_the_warehouse(world, tmp_path):
    wh = _warehouse(world, "busy")
    with warehouse_lock(wh), pytest.raises(WarehouseBusyError, match="in use by another run"):
        retrain_own_history(wh, _settings(tmp_path), wait_for_lock_seconds=0.0)
    assert not model_home(wh).exists()  # nothing trained, nothing decided


TABLE = {
    "candidate": {"precision_at_capacity": 0.6},
    "current": {"precision_at_capacity": 0.5},
    "rules": {"precision_at_capacity": 0.4},
}


@pytest.mark.parametrize(
    ("candidate", "current", "rules", "source", "promoted", "ranking"),
    [
        (0.6, 0.5, 0.4, "prior", True, "own_model"),  # wins both
        (0.5, 0.5, 0.4, "own_model", True, "own_model"),  # as good as the current: promoted
        (0.4, 0.5, 0.3, "prior", False, "prior"),  # loses to the current, which beats the rules
        (0.4, 0.5, 0.6, "prior", False, "rules"),  # both lose to the rules count
        (0.6, 0.5, 0.7, "prior", True, "rules"),  # promoted, yet the rules count ranks
    ],
)
def test_decide(candidate, current, rules, source, promoted, ranking):
    table = {
        "candidate": {"precision_at_capacity": candidate},
        "current": {"precision_at_capacity": current},
        "rules": {"precision_at_capacity": rules},
    }
    d = decide(table, source, enough_history=True)
    assert (d.promoted, d.ranking) == (promoted, ranking)


def test_decide_with_too_little_history_keeps_the_ranking_in_use():
    assert decide(TABLE, "prior", enough_history=False, kept_ranking="rules").ranking == "rules"
    assert decide({}, None, enough_history=False).ranking == "prior"


def test_the_command_refuses_a_warehouse_that_is_not_there(tmp_path):
    from typer.testing import CliRunner

    from pipelines.cli import app

    result = CliRunner().invoke(app, ["train", "--warehouse", str(tmp_path / "missing.duckdb")])
    assert result.exit_code != 0
    assert "no warehouse at" in result.output
    assert not model_home(tmp_path / "missing.duckdb").exists()


def test_the_monthly_retrain_flow_trains_on_the_warehouse_it_is_given(world, prefect_harness):
    from pipelines.flows.retrain import retrain

    wh = _warehouse(world, "retrain")
    result = retrain(warehouse=wh, wait_for_lock_seconds=0)
    decision = json.loads((model_home(wh) / RANKING_FILE).read_text(encoding="utf-8"))
    assert result["ranking"] == decision["ranking"] in ("own_model", "prior", "rules")
    assert decision["command"] == f"wagewatch train --warehouse {wh}"
    assert decision["n_rows"] == world[1].height  # the same closed month ends as own_frame
