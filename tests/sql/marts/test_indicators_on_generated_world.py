"""On the generator's demo world, the 国考 indicators the pipeline computes from the delivered files equal the
values a separate pandas implementation computes from the generator's own clean tables (truth/world/*.parquet).

The two paths share nothing but the definitions: one goes through every format, header spelling, overlapping
re-export, ingestion, hashing, staging and the SQL models; the other reads the punches, roster, firms and projects
exactly as the generator drew them, with the clear ID number as the join key. Month M is computed from the
registry as the platform showed it at the end of M (the generator's own month-end snapshot, `_Writer._as_of`), as
the pipeline computes it from the extracts delivered by then (sources.md "Delivery").
"""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl

from benchmarks.indicators import pandas_indicators
from pipelines.night_steps import resolve_as_of
from pipelines.settings import Settings
from pipelines.synth.generate import _Writer
from pipelines.synth.world import month_end

INDICATORS = ("rn_update_rate", "avg_attendance", "key_staff_onsite_rate")


def truth_firsts(as_of: date) -> dict[str, object]:
    """The reference's month spine and registry versions for one clean snapshot: months from the first punch (the
    SQL side is compared on its own months only), and the snapshot is the registry's first extract, so its one
    version of each key is valid in every month (the caller picks the month-end snapshot)."""
    return {"pay_month": None, "received_date": None, "first_extract": as_of}


def truth_frames(world: Path, as_of, month_end: date | None = None) -> dict[str, pd.DataFrame]:
    """The generator's clean tables in the shape the pandas reference reads (one snapshot: no lineage to sort);
    with `month_end`, the registry as the platform showed it then (the generator's month-end snapshot)."""
    t = world / "truth" / "world"

    def read(name: str) -> pd.DataFrame:
        df = pl.read_parquet(t / f"{name}.parquet")
        if month_end is not None:
            df = _Writer._as_of(name, df, month_end)
        return df.to_pandas().assign(_extract_date=pd.Timestamp(as_of), _file_id=0, _line=range(df.height))

    dates = ["entry_time", "exit_time"]
    corp = read("project_corp").rename(columns={"pm_id_card_number": "pm_id_card_number_hash"})
    project = read("project")
    for c in ("builder_license_date", "start_date", "complete_date"):
        project[c] = pd.to_datetime(project[c])
    for c in dates:
        corp[c] = pd.to_datetime(corp[c])
    return {
        "attendance": read("attendance").rename(columns={"id_card_number": "id_card_number_hash"}),
        "project_worker": read("project_worker").rename(columns={"id_card_number": "id_card_number_hash"}),
        "project_corp": corp,
        "project": project,
    }


def test_sql_indicators_equal_an_independent_computation_from_the_clean_world(demo_world, demo_night):
    """The SQL side is the demo night's warehouse: the real nightly flow's load and models on the delivered files."""
    settings = Settings()
    as_of = date.fromisoformat(demo_night["summary"]["as_of"])
    assert as_of == resolve_as_of(demo_world / "inbox", None)
    con = duckdb.connect(str(demo_night["warehouse"]), read_only=True)
    try:
        sql = con.execute(
            f"select area_code, month, {', '.join(INDICATORS)} from indicator_area_month "
            "where area_code not in ('ALL', 'UNKNOWN') and n_projects_in_scope > 0"
        ).df()
    finally:
        con.close()
    # each month from the registry as it stood at that month's end; the punches are the same for every month
    expected = []
    for month in sorted(sql["month"].unique()):
        end = month_end(date.fromisoformat(f"{month}-01"))
        frames = truth_frames(demo_world, as_of, end)
        got = pandas_indicators(frames, truth_firsts(as_of), settings, min(end, as_of))
        expected.append(got[got["month"] == month])
    expected = pd.concat(expected, ignore_index=True)

    both = sql.merge(expected, on=["area_code", "month"], how="outer", suffixes=("_sql", "_truth"))
    assert len(both) == len(sql) == len(expected), "the two sides cover different district-months"
    assert len(both) >= 5 * 12  # districts × months: a real comparison, not an empty one
    for col in INDICATORS:
        got, want = both[f"{col}_sql"].astype(float), both[f"{col}_truth"].astype(float)
        bad = [
            (r.area_code, r.month, g, w)
            for r, g, w in zip(both.itertuples(), got, want, strict=True)
            if not (math.isnan(g) and math.isnan(w)) and not math.isclose(g, w, rel_tol=1e-9, abs_tol=1e-12)
        ]
        assert not bad, f"{col}: {len(bad)} district-months differ, e.g. {bad[:3]}"
    assert both["rn_update_rate_sql"].between(0, 1).all()
    assert (both["avg_attendance_sql"].dropna() > 0).any()


def test_real_name_update_rate_varies_like_a_real_platform_on_the_demo_world(demo_world):
    """Upload outages and registry lag in the generator: 实名制更新率 is not 100 % everywhere, mostly 80–100 %."""
    as_of = resolve_as_of(demo_world / "inbox", None)
    ind = pandas_indicators(truth_frames(demo_world, as_of), truth_firsts(as_of), Settings(), as_of)
    rate = ind.dropna(subset=["rn_update_rate"])
    assert len(rate) >= 5 * 12
    assert rate["rn_update_rate"].between(0.8, 1.0).mean() >= 0.85  # mostly within a real platform's range
    assert 0.2 <= (rate["rn_update_rate"] < 1.0).mean() <= 0.8  # some district-months miss, not all
    by_month = rate.groupby("month")["rn_update_rate"]
    assert (by_month.nunique() > 1).mean() >= 0.8  # districts differ within a month
    by_area = rate.groupby("area_code")["rn_update_rate"]
    assert (by_area.nunique() > 1).mean() >= 0.8  # a district's rate moves from month to month
    city = rate.groupby("month")["rn_update_rate"].mean()
    assert city.between(0.85, 0.99).all(), city.to_dict()
