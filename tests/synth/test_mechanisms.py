"""Generator mechanism variants: base is the historical generator unchanged; each variant changes its causes as its
docstring says (event rate, which driver leads, whether the owner's payment tells)."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.synth import generate
from pipelines.synth.mechanism import BASE, MECHANISMS, mechanism_named
from pipelines.synth.world import build_world
from tests.synth.delivered import canonical_frame, delivered_files, portable_floats

# sha256 of each truth table's CSV text for generate("tiny", 7), taken before the drivers moved into `Mechanism`
# (commit 952dd8d): the base mechanism must reproduce the historical generator exactly. Floats at 12 significant
# digits (portable_floats): project_month's hazards go through numpy's exp/log, whose last bit follows the CPU's
# SIMD; re-pinned 2026-12-03 on an AVX2 machine, where only that table's digest moved
BASE_TINY7_TRUTH = {
    "project_month.parquet": "586f4f7ccb5a089a07ac6ef043721c8796b0a6d92fe2a1229a0181c8c0158e47",
    "events.parquet": "080bccefb6db30518367e87c8d968a31adc0b5028882fd0bbe7fc4af44c51a94",
    "world/payroll.parquet": "6d8af9b6a3d7c57f53ae2d7a3226899db692b1ddf8313540359bffd06c67dd46",
    "world/project_progress.parquet": "029120bdce3ee135e03e7062ca6481ee6f28dd9a3ad88d9bec7ef7416d4af12b",
    "world/complaint.parquet": "c2965c1314b253ed4644ed10f0adc8e5d2a639224a9929713603270e2306731b",
}
VARIANTS = [name for name in MECHANISMS if name != "base"]


def _digest(path) -> str:
    return hashlib.sha256(portable_floats(pl.read_parquet(path)).write_csv().encode()).hexdigest()


def test_base_reproduces_the_historical_generator(clean_world):
    truth = clean_world.out / "truth"
    assert {rel: _digest(truth / rel) for rel in BASE_TINY7_TRUTH} == BASE_TINY7_TRUTH
    assert json.loads((truth / "mechanism.json").read_text(encoding="utf-8"))["name"] == "base"
    assert clean_world.summary["mechanism"] == "base"


@pytest.mark.parametrize("name", VARIANTS)
def test_each_variant_generates_a_tiny_world_and_records_its_mechanism(tmp_path, name):
    summary = generate("tiny", 7, tmp_path, mechanism=name)
    recorded = json.loads((tmp_path / "truth" / "mechanism.json").read_text(encoding="utf-8"))
    assert summary["mechanism"] == recorded["name"] == name
    expected = json.loads(json.dumps(mechanism_named(name).as_record()))
    assert {k: v for k, v in recorded.items() if k != "late_payroll_districts"} == expected
    assert recorded["doc"]  # says what differs and why
    assert any((tmp_path / "inbox").rglob("payroll_*"))
    assert pl.read_parquet(tmp_path / "truth" / "events.parquet").height > 0


def test_an_unknown_mechanism_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="mechanism must be one of"):
        generate("tiny", 7, tmp_path, mechanism="no-such")
    result = CliRunner().invoke(
        app, ["generate", "--tier", "tiny", "--out", str(tmp_path), "--mechanism", "x"]
    )
    assert result.exit_code != 0
    assert "contractor-led" in result.output


@pytest.fixture(scope="module")
def worlds() -> dict[str, dict]:
    """One seed under every mechanism, 150 projects over the tiny tier's months: rates and correlations from truth."""
    out = {}
    for name in MECHANISMS:
        world = build_world("tiny", 7, n_projects=150, mechanism=name)
        pm = world.project_month.filter(pl.col("is_active"))
        paid = world.tables["project_progress"].with_columns(
            rate=pl.col("paid_value") / pl.col("certified_value")
        )
        joined = pm.join(paid, on=["project_code", "month"])
        h = pm["true_hazard"].to_numpy()
        out[name] = {
            "hazard": float(h.mean()),
            "events": world.events.height,
            "crisis": float(pm["owner_crisis"].mean()),
            "owner": float(np.corrcoef(h, pm["owner_stress"])[0, 1]),
            "contractor": float(np.corrcoef(h, pm["contractor_distress"])[0, 1]),
            "pay_rate": float(np.corrcoef(joined["true_hazard"], joined["rate"])[0, 1]),
        }
    return out


def test_base_is_owner_led_with_crises(worlds):
    base = worlds["base"]
    assert base["crisis"] > 0.02
    assert base["owner"] > base["contractor"] + 0.2
    assert base["pay_rate"] < -0.5  # the owner's payment rate tells


def test_rare_events_halves_the_event_rate_with_the_same_drivers(worlds):
    base, rare = worlds["base"], worlds["rare-events"]
    assert 0.35 < rare["hazard"] / base["hazard"] < 0.65
    assert rare["events"] < 0.7 * base["events"]
    assert rare["owner"] > rare["contractor"] + 0.2
    assert rare["crisis"] == base["crisis"]


def test_no_crisis_has_no_crises_and_a_similar_event_rate(worlds):
    base, calm = worlds["base"], worlds["no-crisis"]
    assert calm["crisis"] == 0
    assert 0.7 < calm["hazard"] / base["hazard"] < 1.4
    assert 0.6 < calm["events"] / base["events"] < 1.4


def test_contractor_led_is_led_by_the_contractor_not_the_owners_payment(worlds):
    base, led = worlds["base"], worlds["contractor-led"]
    assert led["crisis"] == 0
    assert led["contractor"] > led["owner"] + 0.2
    assert abs(led["pay_rate"]) < 0.3  # the owner's payment rate is only weakly related
    assert 0.5 < led["hazard"] / base["hazard"] < 1.5


def test_contractor_led_troubles_cluster_by_contractor():
    """A contractor-wide bad month: the hazard's month-to-month moves of two projects of one contractor agree,
    which is why late payroll on the contractor's other projects leads."""

    def same_contractor_corr(name: str) -> float:
        world = build_world("tiny", 7, n_projects=150, mechanism=name)
        con = world.tables["project"].select("project_code", "contractor_corp_code")
        pm = world.project_month.join(con, on="project_code")
        logit = np.log(pm["true_hazard"].clip(1e-9, 1 - 1e-9) / (1 - pm["true_hazard"].clip(1e-9, 1 - 1e-9)))
        pm = pm.with_columns(logit=logit).filter(pl.col("is_active"))
        pm = pm.with_columns(dev=pl.col("logit") - pl.col("logit").mean().over("project_code"))
        mean_dev = pm.group_by("contractor_corp_code", "month").agg(
            pl.col("dev").mean().alias("m"), pl.len().alias("k")
        )
        joined = pm.join(mean_dev, on=["contractor_corp_code", "month"]).filter(pl.col("k") >= 3)
        return float(np.corrcoef(joined["dev"], joined["m"])[0, 1])

    assert same_contractor_corr("contractor-led") > same_contractor_corr("base") + 0.1


def test_mechanisms_are_frozen_and_base_is_the_default():
    assert MECHANISMS["base"] is BASE
    with pytest.raises(AttributeError):
        BASE.intercept = 0.0  # type: ignore[misc]
    assert mechanism_named(BASE) is BASE


def test_late_delivery_holds_back_a_districts_payroll_and_changes_nothing_else(tmp_path, clean_world):
    generate("tiny", 7, tmp_path, mechanism="late-delivery")
    truth = tmp_path / "truth"
    late = json.loads((truth / "mechanism.json").read_text(encoding="utf-8"))["late_payroll_districts"]
    assert late
    assert all(10 <= days <= 25 for days in late.values())
    for rel in ("project_month.parquet", "events.parquet", "world/payroll.parquet"):  # the same world
        assert pl.read_parquet(truth / rel).equals(pl.read_parquet(clean_world.out / "truth" / rel)), rel
    area = dict(
        pl.read_parquet(truth / "world" / "project.parquet").select("project_code", "area_code").iter_rows()
    )

    def delivered(inbox) -> pl.DataFrame:
        frames = [
            canonical_frame(p)
            .select("project_code", "balance_date")
            .with_columns(folder=pl.lit(p.parent.name))
            for p in delivered_files(inbox)
            if p.name.startswith("payroll_")
        ]
        return pl.concat(frames).with_columns(
            pl.col("balance_date").str.slice(0, 10).str.to_date(), pl.col("folder").str.to_date()
        )

    lines = delivered(tmp_path / "inbox").with_columns(
        lag=pl.col("project_code").replace_strict(area).replace_strict(late, default=0, return_dtype=pl.Int64)
    )
    held = lines.filter(pl.col("lag") > 0)
    assert held.height > 0
    # every line of a late district reaches the platform no earlier than its pay date plus the district's lag
    assert held.filter(pl.col("folder") < pl.col("balance_date") + pl.duration(days=pl.col("lag"))).is_empty()
    on_time = lines.filter(pl.col("lag") == 0)
    assert (on_time["folder"] >= on_time["balance_date"]).all()
    # lines paid in the world's last weeks have not arrived yet: fewer lines than base delivered
    assert lines.height < delivered(clean_world.inbox).height


def test_an_earlier_start_gives_a_longer_world_that_still_ends_at_the_tier_end():
    from datetime import date

    from pipelines.synth.world import TIERS

    world = build_world("tiny", 7, start=date(2025, 1, 15))
    months = world.project_month["month"].cast(str)
    assert (world.start, months.min(), months.max()) == (date(2025, 1, 1), "2025-01", "2025-12")
    assert world.end == TIERS["tiny"].end
    with pytest.raises(ValueError, match="before the tier's end"):
        build_world("tiny", 7, start=date(2026, 1, 1))
