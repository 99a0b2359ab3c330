"""Attendance (考勤): the punches of every roster person present between two dates, drawn per project.

A day's chance of presence falls on Sundays, around the Spring Festival and before an arrears event (crews melt
away); nothing reaches the platform during an upload outage or before a project's first upload; a careless
contractor's uploads have gaps; a manager who seldom comes (挂证) punches a quarter of the days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import polars as pl

from pipelines.synth.state import World

SPRING_FESTIVAL = date(2025, 1, 29)
PUNCH_SCHEMA = pl.Schema(
    {
        "project_code": pl.Utf8(),
        "id_card_number": pl.Utf8(),
        "date": pl.Datetime("us"),
        "direction": pl.Utf8(),
    }
)


@dataclass(frozen=True)
class Days:
    """The dates attendance is drawn for, in the forms the draws need."""

    days: np.ndarray  # of date
    d64: np.ndarray  # the same as datetime64[D]
    dow: np.ndarray  # weekday, Monday 0


@dataclass(frozen=True)
class Crew:
    """One project's roster people and the days each is on the roster (and the project live)."""

    i: int  # the project's row in the project table
    code: str
    ids: np.ndarray
    role: np.ndarray
    on_roster: np.ndarray  # days × people


def attendance_for(world: World, first: date, last: date, rng: np.random.Generator) -> pl.DataFrame:
    """Punches of every roster person present between two dates (vectorised per project)."""
    proj = world.tables["project"]
    days = np.array([first + timedelta(days=k) for k in range((last - first).days + 1)])
    span = Days(days, days.astype("datetime64[D]"), np.array([d.weekday() for d in days]))
    frames: list[pl.DataFrame] = []
    for i, code in enumerate(proj["project_code"].to_list()):
        crew = _crew(world, i, code, span)
        if crew is not None:
            frames += _project_punches(world, rng, span, crew)
    if not frames:
        return pl.DataFrame(schema=PUNCH_SCHEMA)
    out = pl.concat(frames).with_columns(pl.col("date").cast(pl.Datetime("us")))
    return out.with_columns(
        team_sys_no=pl.lit(None, pl.Utf8),
        attend_type=pl.lit("001"),
        lng=pl.lit(118.6),
        lat=pl.lit(24.9),
    ).sort("project_code", "date", "id_card_number", "direction")


def _crew(world: World, i: int, code: str, span: Days) -> Crew | None:
    """The project's people and their roster days; None when the project is not live on any of the days."""
    proj = world.tables["project"]
    start = proj["start_date"][i]
    end = proj["complete_date"][i]
    live = np.array([(start <= d <= end) for d in span.days])
    if not live.any():
        return None
    people = world.tables["project_worker"].filter(pl.col("project_code") == code)
    entry = people["entry_time"].to_numpy().astype("datetime64[D]")
    exit_ = people["exit_time"].fill_null(date(2100, 1, 1)).to_numpy().astype("datetime64[D]")
    d64 = span.d64
    on_roster = (entry[None, :] <= d64[:, None]) & (exit_[None, :] >= d64[:, None]) & live[:, None]
    return Crew(i, code, people["id_card_number"].to_numpy(), people["work_role"].to_numpy(), on_roster)


def _project_punches(world: World, rng: np.random.Generator, span: Days, crew: Crew) -> list[pl.DataFrame]:
    """A live project's punches in and out (empty when nobody was present)."""
    code = crew.code
    p = _presence_chance(world, span, crew)
    present = _present(world, rng, span, crew, p)
    di, wi = np.nonzero(present)
    if len(di) == 0:
        return []
    t_in = rng.integers(6 * 3600 + 1800, 8 * 3600 + 1800, len(di))
    t_out = rng.integers(17 * 3600, 18 * 3600 + 1800, len(di))
    has_out = rng.random(len(di)) < 0.85
    base_ts = span.d64[di].astype("datetime64[us]")
    ids = crew.ids
    ins = pl.DataFrame(
        {
            "project_code": code,
            "id_card_number": ids[wi],
            "date": base_ts + (t_in * 1_000_000).astype("timedelta64[us]"),
            "direction": "01",
        }
    )
    outs = pl.DataFrame(
        {
            "project_code": code,
            "id_card_number": ids[wi][has_out],
            "date": base_ts[has_out] + (t_out[has_out] * 1_000_000).astype("timedelta64[us]"),
            "direction": "02",
        }
    )
    return [ins, outs]


def _presence_chance(world: World, span: Days, people: Crew) -> np.ndarray:
    """Per day, the chance a worker of the crew is present and his punch reaches the platform."""
    i, code, role = people.i, people.code, people.role
    crew = world.tables["_crew"]
    days, dow = span.days, span.dow
    base = crew["crew"][i] / max(1, (role == "20").sum())
    p = np.full(len(days), min(0.95, base))
    p = p * np.where(dow == 6, 0.6, 1.0)
    sf = np.array([abs((d - SPRING_FESTIVAL).days) <= 12 for d in days])
    p = np.where(sf, p * 0.08, p)
    if world.project_month is None:
        raise ValueError("the world has no project_month truth")
    pm = world.project_month.filter(pl.col("project_code") == code)
    hz = dict(zip(pm["month"], pm["true_hazard"], strict=True))
    month_h = np.array([hz.get(f"{d:%Y-%m}", 0.0) for d in days])
    p = p * np.clip(1.0 - 2.0 * month_h, 0.15, 1.0)  # crews melt away before an arrears event
    # the people are on site, but nothing reaches the platform: an upload outage or before the first upload
    dark = dict(zip(pm["month"], pm["upload_dark"], strict=True))
    month_dark = np.array([dark.get(f"{d:%Y-%m}", False) for d in days])
    p = np.where(month_dark | (days < crew["first_upload"][i]), 0.0, p)
    if crew["stopped"][i]:
        p = np.where(days > world.end - timedelta(days=25), p * 0.05, p)
    return p


def _present(world: World, rng: np.random.Generator, span: Days, crew: Crew, p: np.ndarray) -> np.ndarray:
    """days × people, True when the person punched in: a careless contractor's upload gap first, then the
    workers' and the managers' draws."""
    i = crew.i
    sites = world.tables["_crew"]
    days, dow, on_roster = span.days, span.dow, crew.on_roster
    if sites["sloppy"][i] and len(days) >= 20 and rng.random() < 0.3:  # a gap in the uploads, not on site
        gap = int(rng.integers(0, len(days) - 10))
        p[gap : gap + int(rng.integers(8, 12))] = 0.0
    present = (rng.random(on_roster.shape) < p[:, None]) & on_roster
    manager = crew.role == "10"
    mgr_p = 0.25 if sites["pm_absent"][i] else 0.85
    present[:, manager] = (
        (rng.random((len(days), manager.sum())) < mgr_p)
        & on_roster[:, manager]
        & ((dow != 6) & (p > 0))[:, None]  # p is 0 only in an upload gap
    )
    return present
