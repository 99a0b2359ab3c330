"""A causal synthetic world: owners' funding stress and contractors' distress drive every source.

The world is built as clean canonical tables (snake_case columns, canonical codes, clear values); `generate.py`
turns them into platform deliveries. Per project and month the true hazard of an arrears event within the
horizon is a known function of the latent drivers, and events are drawn from it, so the risk model can be
validated against the truth.

`build_world` is the table of contents: it draws the state (state.py's small dataclasses) and then each table by
its own function, in one fixed order on one seeded stream (drivers.py: firms, projects, hazard; registry.py:
projects, rosters, firms on projects, teams, credit records; money.py: progress, wage accounts, transactions,
payroll, complaints, events, guarantees, deposits; attendance.py: punches, per month, by generate.py).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np

from pipelines.synth import names
from pipelines.synth.attendance import SPRING_FESTIVAL, attendance_for
from pipelines.synth.drivers import (
    CRISIS_END,
    CRISIS_LOGIT,
    CRISIS_PAY_CUT,
    _owner_crises,
    crew_table,
    crisis_onset,
    draw_drivers,
    draw_firms,
    draw_projects,
    late_payroll_districts,
    project_month_table,
    project_status,
    upload_outages,
)
from pipelines.synth.mechanism import BASE, Mechanism, mechanism_named
from pipelines.synth.money import (
    COMPLAINT_SCHEMA,
    MoneyInputs,
    account_txn_table,
    complaint_table,
    deposit_table,
    draw_ledger,
    events_table,
    guarantee_table,
    payroll_table,
    progress_table,
    wage_account_table,
)
from pipelines.synth.registry import credit_table, people_tables, project_table
from pipelines.synth.state import TIERS, Sites, Tier, World, month_end, month_starts


def build_world(
    tier: str,
    seed: int,
    n_projects: int | None = None,
    areas: dict[str, str] | None = None,
    mechanism: str | Mechanism = BASE,
    start: date | None = None,
) -> World:
    """Draw a whole world from the seed under a causal mechanism (`pipelines.synth.mechanism`; base by default).
    Attendance is built separately per month (it is the bulk). `start`: an earlier first month than the tier's, for
    a longer history (own-history training needs more closed month ends than a 13-month world holds); the world
    still ends at the tier's end.

    The order of the draws below is the world: every table reads the one stream `rng` in turn (the outages, the
    crises, the contractor shock and the late districts have their own streams), so a new draw goes last."""
    mech = mechanism_named(mechanism)
    spec = _spec(tier, start)
    rng = np.random.default_rng(seed)
    n = n_projects or spec.n_projects
    area_codes = list(areas or (names.QUANZHOU_AREAS if tier != "province" else names.FUJIAN_AREAS))
    months = month_starts(spec.start, spec.end)
    world = World(tier=tier, start=spec.start, end=spec.end, mechanism=mech)

    firms = draw_firms(rng, n, area_codes)
    projects = draw_projects(rng, spec, n, area_codes, firms)
    drivers = draw_drivers(rng, seed, world, firms, projects)
    world.payroll_delay_days = late_payroll_districts(seed, sorted(set(projects.area)), mech)
    upload_dark, first_upload = upload_outages(
        np.random.default_rng([seed, 2]),
        projects.area,
        area_codes,
        projects.sloppy,
        projects.starts,
        len(months),
    )
    status, stopped = project_status(rng, spec, projects, drivers)
    sites = Sites(stopped=stopped, first_upload=first_upload, upload_dark=upload_dark)

    world.tables["project"] = project_table(rng, projects, firms, status)
    roster, project_corp, team = people_tables(rng, projects, firms)
    world.tables["project_worker"] = roster
    world.tables["project_corp"] = project_corp
    world.tables["team"] = team
    world.project_month = project_month_table(projects, drivers, sites)

    inputs = MoneyInputs(mech, world.tables["project"], roster, firms.owners, projects, drivers, world.end)
    ledger = draw_ledger(rng, inputs)
    world.tables["project_progress"] = progress_table(ledger)
    world.tables["wage_account"] = wage_account_table(ledger)
    world.tables["account_txn"] = account_txn_table(ledger)
    world.tables["payroll"] = payroll_table(ledger)
    world.tables["complaint"] = complaint_table(ledger)
    world.events = events_table(ledger)
    world.tables["payment_guarantee"] = guarantee_table(rng, world.tables["project"], projects)
    world.tables["wage_deposit"] = deposit_table(rng, firms.contractors, world.start, world.end)
    world.tables["credit_event"] = credit_table(rng, firms.contractors, world.start)
    world.tables["_crew"] = crew_table(projects, sites)
    return world


def _spec(tier: str, start: date | None) -> Tier:
    """The tier's size and dates, starting earlier when asked."""
    spec = TIERS[tier]
    if start is not None:
        if start >= spec.end:
            raise ValueError(f"start {start} must be before the tier's end {spec.end}")
        spec = replace(spec, start=date(start.year, start.month, 1))
    return spec


__all__ = [
    "COMPLAINT_SCHEMA",
    "CRISIS_END",
    "CRISIS_LOGIT",
    "CRISIS_PAY_CUT",
    "SPRING_FESTIVAL",
    "TIERS",
    "Tier",
    "World",
    "_owner_crises",
    "attendance_for",
    "build_world",
    "crisis_onset",
    "month_end",
    "month_starts",
    "upload_outages",
]
