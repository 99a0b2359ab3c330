"""One definition of each rule: the features' rule columns and scope are the nightly run's rule_firing and
rule_scope at each snapshot date, built from data known then, without touching the warehouse's own tables."""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl
import pytest

from pipelines.features import project_features, training_frame
from pipelines.features.rules_at import LEVEL_WEIGHT, rule_columns, rule_models
from pipelines.warehouse import frame
from pipelines.warnings.catalogue import catalogue
from tests.features.given_world import tiny_world, tiny_world_rows
from tests.given import given_warehouse

AS_OFS = [date(2025, 3, 31), date(2025, 5, 31), date(2025, 6, 30)]


@pytest.fixture(scope="module")
def stacked() -> pl.DataFrame:
    return training_frame(tiny_world(), AS_OFS)


@pytest.mark.parametrize("as_of", AS_OFS)
def test_the_rule_columns_are_what_the_nightly_run_lists_that_night(stacked, as_of):
    nightly = given_warehouse(
        tiny_world_rows(), as_of=as_of
    )  # `wagewatch run --as-of` over the same deliveries
    firing = frame(nightly, "select project_code, rule_id, level from rule_firing")
    scope = frame(nightly, "select project_code from rule_scope where is_indicator_scope")
    features = stacked.filter(pl.col("as_of") == as_of)
    assert sorted(features["project_code"]) == sorted(scope["project_code"])
    assert firing.height > 0
    for row in features.iter_rows(named=True):
        fired = firing.filter(pl.col("project_code") == row["project_code"])
        assert set(row["rules_fired"]) == set(fired["rule_id"])
        assert row["rules_fired_count"] == fired["rule_id"].n_unique()
        assert row["rules_signal_score"] == sum(LEVEL_WEIGHT[level] for level in fired["level"])
        assert {c for c in rule_columns() if row[c] == 1} == {f"rule_{r.lower()}" for r in fired["rule_id"]}


def test_every_rule_of_the_catalogue_has_a_column_and_its_model_is_built():
    columns = set(project_features(tiny_world(), AS_OFS[-1]).columns)
    assert {f"rule_r{k:02d}" for k in range(1, 18)} <= columns
    assert {"rules_fired_count", "rules_signal_score"} <= columns
    built = set(rule_models())
    assert {rule.model for rule in catalogue().values()} <= built
    assert {"rule_scope", "int_project_month"} <= built
    assert not any(name.startswith(("indicator_", "rpt_")) for name in built)  # the marts are not needed


def test_r05_fires_only_after_the_makegood_window_as_on_the_list(stacked):
    """The old re-implemented signal read any shortfall share > 0.005 as R05 red; the rule waits for the pay
    deadline plus r05_makegood_days: P2's April shortfall (deadline 31 May) is R05 on 30 June, not on 31 May."""
    p2 = stacked.filter(pl.col("project_code") == "P2").sort("as_of")
    assert p2["rule_r05"].to_list() == [0, 0, 1]
    assert p2["last_shortfall_share"].to_list()[1] > 0.005


def test_the_warehouse_tables_and_settings_are_left_as_they_were():
    con = given_warehouse(tiny_world_rows(), as_of=date(2025, 6, 30))
    before = frame(con, "select * from rule_firing order by all")
    search_path = con.execute("select current_setting('search_path')").fetchone()
    project_features(con, date(2025, 3, 31))
    assert frame(con, "select * from rule_firing order by all").equals(before)
    assert con.execute("select current_setting('search_path')").fetchone() == search_path
    temp = {r[0] for r in con.execute("select table_name from duckdb_tables() where temporary").fetchall()}
    assert not temp & set(rule_models())  # the per-date models are dropped: the warehouse's tables show again
    # as before: the run's variables are those of the (last) as_of the features were computed for
    assert con.execute("select getvariable('as_of')").fetchone()[0] == date(2025, 3, 31)


def test_tonights_rule_tables_are_read_not_rebuilt_and_give_the_same_features():
    """The nightly run scores right after building its models at as_of: reading those tables gives the features
    that building the rules again would give."""
    as_of = date(2025, 6, 30)
    con = given_warehouse(tiny_world_rows(), as_of=as_of)
    rebuilt = project_features(con, as_of)
    read = project_features(con, as_of, rules_built=True)
    assert read.equals(rebuilt)
    # what was read is the warehouse's table: change it and the features follow
    con.execute("delete from rule_firing where project_code = 'P2' and rule_id = 'R05'")
    changed = project_features(con, as_of, rules_built=True).filter(pl.col("project_code") == "P2")
    assert changed["rule_r05"].to_list() == [0]


def test_a_read_only_warehouse_gives_the_same_features(tmp_path):
    path = tmp_path / "wh.duckdb"
    con = tiny_world()
    con.execute(f"attach '{path}' as disk")
    for (table,) in con.execute(
        "select table_name from duckdb_tables() where database_name = 'memory'"
    ).fetchall():
        con.execute(f"create table disk.main.{table} as select * from memory.main.{table}")
    con.execute("detach disk")
    expected = project_features(con, AS_OFS[1])
    read_only = duckdb.connect(str(path), read_only=True)
    assert project_features(read_only, AS_OFS[1]).equals(expected)
