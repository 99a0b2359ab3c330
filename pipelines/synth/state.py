"""The world's state as it is drawn: its size, the firms, the projects' latent drivers and the truth per month.

`build_world` (world.py) draws these in a fixed order from one seeded stream; each table function (registry.py,
money.py, attendance.py) reads the small dataclasses here instead of a long list of arrays.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import polars as pl

from pipelines.synth.mechanism import BASE, Mechanism


@dataclass(frozen=True)
class Tier:
    """Size of a world."""

    n_projects: int
    workers_per_project: float  # mean crew of 建筑工人 on a working day
    start: date
    end: date


TIERS: dict[str, Tier] = {
    "tiny": Tier(16, 10, date(2025, 7, 1), date(2025, 12, 31)),
    "demo": Tier(200, 55, date(2024, 12, 1), date(2025, 12, 31)),
    "city": Tier(2000, 60, date(2024, 12, 1), date(2025, 12, 31)),
    "province": Tier(10000, 60, date(2024, 12, 1), date(2025, 12, 31)),
}


@dataclass
class World:
    """The clean world: canonical tables plus the truth."""

    tier: str
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    project_month: pl.DataFrame | None = None  # truth: hazard and drivers per project × month
    events: pl.DataFrame | None = None  # truth: arrears events
    mechanism: Mechanism = BASE  # the causal mechanism the world was drawn from
    payroll_delay_days: dict[str, int] = field(
        default_factory=dict
    )  # district → days its payroll arrives late
    start: date = date(2024, 12, 1)
    end: date = date(2025, 12, 31)


@dataclass(frozen=True)
class Firms:
    """The world's firms, one row each."""

    contractors: pl.DataFrame  # 总包: corp_code, corp_name, distress, sloppy
    owners: pl.DataFrame  # 建设单位: corp_code, corp_name, stress, pay_period
    supervisors: pl.DataFrame  # 监理: corp_code, corp_name
    labour_firms: pl.DataFrame  # 劳务: corp_code, corp_name


@dataclass(frozen=True)
class Projects:
    """The drawn projects, arrays aligned by position: who builds, owns and supervises each, when, where, how big,
    and its latent drivers."""

    codes: list[str]
    con_idx: np.ndarray  # row of its contractor in Firms.contractors
    own_idx: np.ndarray  # … of its owner in Firms.owners
    sup_idx: np.ndarray  # … of its supervisor in Firms.supervisors
    invest: np.ndarray
    category: np.ndarray
    starts: list[date]
    duration: np.ndarray  # planned days from start to completion
    area: np.ndarray
    owner_stress: np.ndarray  # the owner's funding stress on this project
    distress: np.ndarray  # its contractor's distress
    crew: np.ndarray  # mean crew on a working day
    contract: np.ndarray  # contract amount
    sloppy: np.ndarray  # its contractor is careless with paperwork
    pm_absent: np.ndarray  # its manager seldom comes (挂证)

    @property
    def n(self) -> int:
        return len(self.codes)


@dataclass(frozen=True)
class Drivers:
    """The truth per project × month: the latent drivers of the hazard and the hazard itself."""

    months: list[date]
    shock: np.ndarray  # the project's monthly AR(1) shock
    crisis: np.ndarray  # its owner is in a funding crisis
    contractor_shock: np.ndarray | None  # contractor-wide shock (variants that weigh it only)
    hazard: np.ndarray  # true hazard of an arrears event within the horizon (0 when inactive)
    active: np.ndarray  # the project is under way during the month


@dataclass(frozen=True)
class Sites:
    """What the attendance of a project depends on beyond its roster (world.tables["_crew"] holds it as a frame)."""

    stopped: np.ndarray  # work stopped near the world's end (停工)
    first_upload: list[date]  # the day its first punch reaches the platform
    upload_dark: np.ndarray  # projects × months: nothing reaches the platform


def month_starts(start: date, end: date) -> list[date]:
    out, d = [], date(start.year, start.month, 1)
    while d <= end:
        out.append(d)
        d = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return out


def month_end(d: date) -> date:
    nxt = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return nxt - timedelta(days=1)
