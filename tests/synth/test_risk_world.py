"""The generator's risk world: owners' funding crises are sudden, short, shared by the owner's projects, and show in
what the owner pays (pipelines/synth/world.py; docs/decisions.md "Owners' funding crises")."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from pipelines.synth.world import CRISIS_END, _owner_crises, build_world, crisis_onset


def _spells(row: np.ndarray) -> list[int]:
    """Lengths of the runs of True that start and end inside the row."""
    edges = np.diff(np.concatenate([[0], row.astype(int), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return [int(e - s) for s, e in zip(starts, ends, strict=True) if s > 0 and e < len(row)]


def test_crises_last_two_months_on_average_and_take_their_stationary_share():
    stress = np.full(20_000, 0.24)
    crises = _owner_crises(np.random.default_rng(5), stress, 36)
    onset = float(crisis_onset(stress)[0])
    assert crises.mean() == pytest.approx(onset / (onset + CRISIS_END), abs=0.005)
    spells = [n for row in crises for n in _spells(row)]
    assert np.mean(spells) == pytest.approx(1 / CRISIS_END, abs=0.1)
    # the burn-in: the first month already holds its share of owners in crisis
    assert crises[:, 0].mean() == pytest.approx(crises.mean(), abs=0.01)


def test_stressed_owners_fall_into_crisis_more_often():
    rng = np.random.default_rng(6)
    calm = _owner_crises(rng, np.full(5_000, 0.05), 24).mean()
    stressed = _owner_crises(rng, np.full(5_000, 0.6), 24).mean()
    assert stressed > 3 * calm


@pytest.fixture(scope="module")
def world_months() -> pl.DataFrame:
    world = build_world("province", 7, n_projects=300)
    owners = world.tables["project"].select("project_code", "build_corp_code")
    return (
        world.project_month.filter("is_active")
        .join(owners, on="project_code")
        .join(world.tables["project_progress"], on=["project_code", "month"])
    )


def test_a_crisis_hits_every_project_of_the_owner_in_the_same_month(world_months):
    per_owner_month = world_months.group_by("build_corp_code", "month").agg(
        pl.len().alias("n_projects"), pl.col("owner_crisis").n_unique().alias("n_states")
    )
    assert per_owner_month.filter(pl.col("n_projects") > 1).height > 100
    assert per_owner_month["n_states"].max() == 1
    assert 0.03 < world_months["owner_crisis"].mean() < 0.15


def test_in_a_crisis_the_owner_pays_less_and_the_hazard_jumps(world_months):
    by_state = (
        world_months.with_columns((pl.col("paid_value") / pl.col("certified_value")).alias("pay_rate"))
        .group_by("owner_crisis")
        .agg(pl.col("pay_rate").mean(), pl.col("true_hazard").mean())
    )
    crisis = by_state.filter("owner_crisis").row(0, named=True)
    normal = by_state.filter(~pl.col("owner_crisis")).row(0, named=True)
    assert crisis["pay_rate"] < normal["pay_rate"] - 0.3
    assert crisis["true_hazard"] > 3 * normal["true_hazard"]
