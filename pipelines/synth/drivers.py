"""The latent drivers of a world: firms, projects, monthly shocks, owners' funding crises and the true hazard.

Per project and month the true hazard of an arrears event within the horizon is a known function of the drivers
(`Mechanism`); upload outages and late payroll districts come from their own random streams, so the rest of the
world stays as base draws it.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl

from pipelines.identifiers import USCC_ALPHABET, uscc_check_char
from pipelines.synth import names
from pipelines.synth.mechanism import BASE, Mechanism
from pipelines.synth.state import Drivers, Firms, Projects, Sites, Tier, World, month_end, month_starts


def _uscc(rng: np.random.Generator, area: str) -> str:
    body = "91" + area + "".join(rng.choice(list(USCC_ALPHABET[:31]), 9))
    return body + uscc_check_char(body)


def _firm_name(rng: np.random.Generator, kind: str) -> str:
    place = rng.choice(names.FIRM_PLACES)
    word = {
        "owner": rng.choice(["置业", "房地产开发", "城建投资", "实业"]),
        "supervisor": "工程监理",
        "labour": "劳务",
    }.get(kind, rng.choice(names.FIRM_WORDS))
    return f"{place}{rng.choice(list('鑫华泰隆盛鸿宏兴海达安'))}{rng.choice(list('源丰德信通业昌发'))}{word}有限公司"


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


# An owner's funding crisis (资金链断裂 / 资金周转困难): a regime that starts suddenly, hits every project of the
# owner at once and lasts two months on average (a sale, a loan or the government's 清欠 push ends it). While it
# lasts the owner pays little of the certified work and the hazard on its projects jumps. The lagging rules (late
# pay, complaints, months without inflow) see it only after wages have gone unpaid; the owner's payment rate across
# its projects shows it the month it starts. Short spells are what make the lagging rules miss them: by the time
# late pay and complaints have piled up, the owner has often found the money again while the rules keep firing.
CRISIS_LOGIT = BASE.w_crisis
CRISIS_PAY_CUT = (
    BASE.crisis_pay_cut
)  # share of certified work an owner in crisis stops paying, on top of its usual
CRISIS_END = BASE.crisis_end  # chance per month that a crisis ends


def crisis_onset(stress: np.ndarray) -> np.ndarray:
    """Chance per month that an owner's funding breaks: 0.8 % + 14 % × its stress (≈ 4 % at the mean stress)."""
    return BASE.crisis_onset(stress)


def _owner_crises(
    rng: np.random.Generator,
    stress: np.ndarray,
    n_months: int,
    burn_in: int = 12,
    mechanism: Mechanism = BASE,
) -> np.ndarray:
    """owners × months, True while the owner is in a funding crisis (a two-state Markov chain: the mechanism's
    `crisis_onset`, `crisis_end`); the burn-in lets the world open with some owners already in crisis."""
    onset = mechanism.crisis_onset(stress)
    state = np.zeros(len(stress), dtype=bool)
    out = np.zeros((len(stress), n_months), dtype=bool)
    for t in range(-burn_in, n_months):
        draw = rng.random(len(stress))
        state = np.where(state, draw >= mechanism.crisis_end, draw < onset)
        if t >= 0:
            out[:, t] = state
    return out


def _contractor_shock(seed: int, n_con: int, n_months: int, mechanism: Mechanism) -> np.ndarray:
    """contractors × months: a contractor-wide AR(1) bad month (its own random stream, so the rest of the world
    is drawn as in base)."""
    rng = np.random.default_rng([seed, 3])
    shock = np.zeros((n_con, n_months))
    for t in range(1, n_months):
        shock[:, t] = mechanism.shock_ar * shock[:, t - 1] + rng.normal(0, mechanism.shock_sd, n_con)
    return shock


def late_payroll_districts(seed: int, districts: list[str], mechanism: Mechanism) -> dict[str, int]:
    """district → days its payroll deliveries lag the pay date, for the mechanism's share of the districts that
    hold projects (at least one when the share is positive); its own random stream."""
    if mechanism.late_payroll_share <= 0 or not districts:
        return {}
    rng = np.random.default_rng([seed, 4])
    k = max(1, round(mechanism.late_payroll_share * len(districts)))
    late = sorted(rng.choice(districts, k, replace=False).tolist())
    lo, hi = mechanism.late_payroll_days
    return {d: int(rng.integers(lo, hi + 1)) for d in late}


def _logit(
    mechanism: Mechanism,
    owner_stress: np.ndarray,
    distress: np.ndarray,
    shock: np.ndarray,
    crisis: np.ndarray,
    season: np.ndarray,
    extra: dict[str, np.ndarray],
) -> np.ndarray:
    """The true hazard's logit (see `Mechanism`). Terms whose weight is zero are left out, so base's arithmetic,
    and with it every draw that depends on the hazard, is exactly the historical generator's."""
    m = mechanism
    logit = (
        m.intercept
        + m.w_owner_stress * owner_stress[:, None]
        + m.w_distress * distress[:, None]
        + m.w_shock * shock
        + m.w_crisis * crisis
        + np.log(season)[None, :]
    )
    if m.w_sloppy:
        logit = logit + m.w_sloppy * extra["sloppy"][:, None]
    if m.w_key_staff_absent:
        logit = logit + m.w_key_staff_absent * extra["pm_absent"][:, None]
    if m.w_contractor_shock:
        logit = logit + m.w_contractor_shock * extra["contractor_shock"]
    return logit


# Attendance uploads that never arrive (实名制考勤上传中断). Real platforms report 实名制更新率 between 80 % and
# 100 %: a district's upload gateway or its vendor's service fails for a month or two and a share of the district's
# projects upload nothing (a Markov spell per district); a site's device breaks and nobody replaces it for the month
# (per project-month, more often with a careless contractor); and a project enters the registry (施工许可, 在建)
# weeks before its device is installed and its first punch is uploaded (registry lag). All drawn from their own
# random stream, so the rest of the world (firms, projects, money, cases) stays as it was.
OUTAGE_ONSET = 0.04  # chance per month that a district's upload service fails
OUTAGE_END = 0.6  # chance per month that it is restored
OUTAGE_SHARE = (
    0.25  # share of the district's projects on the failed service (the one vendor) in a spell month
)
DEVICE_FAILURE = 0.015  # chance per project-month that the site's device is down all month
DEVICE_FAILURE_SLOPPY = 0.05  # … with a careless contractor
REGISTRY_LAG_SHARE = 0.35  # share of projects whose first upload comes after their start date
REGISTRY_LAG_DAYS = (15, 60)  # … by this many days (uniform)


def upload_outages(
    rng: np.random.Generator,
    area: np.ndarray,
    area_codes: list[str],
    sloppy: np.ndarray,
    starts: list[date],
    n_months: int,
) -> tuple[np.ndarray, list[date]]:
    """projects × months, True when no punch of the project reaches the platform that month (a district outage
    spell or the site's own device); and each project's first upload date (its start plus the registry lag)."""
    district = np.zeros((len(area_codes), n_months), dtype=bool)
    state = np.zeros(len(area_codes), dtype=bool)
    for t in range(-6, n_months):
        draw = rng.random(len(area_codes))
        state = np.where(state, draw >= OUTAGE_END, draw < OUTAGE_ONSET)
        if t >= 0:
            district[:, t] = state
    where = {a: k for k, a in enumerate(area_codes)}
    in_spell = district[[where[a] for a in area]]
    hit = rng.random(in_spell.shape) < OUTAGE_SHARE
    device = rng.random(in_spell.shape) < np.where(sloppy, DEVICE_FAILURE_SLOPPY, DEVICE_FAILURE)[:, None]
    lagged = rng.random(len(starts)) < REGISTRY_LAG_SHARE
    lag = rng.integers(REGISTRY_LAG_DAYS[0], REGISTRY_LAG_DAYS[1] + 1, len(starts))
    first_upload = [
        s + timedelta(days=int(d) if late else 0) for s, d, late in zip(starts, lag, lagged, strict=True)
    ]
    return (in_spell & hit) | device, first_upload


def draw_firms(rng: np.random.Generator, n: int, area_codes: list[str]) -> Firms:
    """Contractors (总包) with a persistent distress, owners (建设单位) with funding stress, supervisors, labour
    firms."""
    n_con, n_own, n_sup = max(4, n // 4), max(4, n // 3), max(2, n // 10)
    contractors = pl.DataFrame(
        {
            "corp_code": [_uscc(rng, rng.choice(area_codes)) for _ in range(n_con)],
            "corp_name": [_firm_name(rng, "contractor") for _ in range(n_con)],
            "distress": rng.beta(1.6, 5.0, n_con),
            # careless with the paperwork, whatever its finances: managers seldom on site, no deposit, attendance
            # uploads with gaps — rules R09/R10/R11/R12 fire on its projects although its workers are paid
            "sloppy": rng.random(n_con) < 0.25,
        }
    )
    owners = pl.DataFrame(
        {
            "corp_code": [_uscc(rng, rng.choice(area_codes)) for _ in range(n_own)],
            "corp_name": [_firm_name(rng, "owner") for _ in range(n_own)],
            "stress": rng.beta(1.6, 5.0, n_own),
            # how often the owner funds the labour cost (人工费): most monthly; some prepay two or three months at
            # once, whatever their stress — a benign pattern the monthly rule R01 flags all the same
            "pay_period": rng.choice([1, 2, 3], n_own, p=[0.7, 0.18, 0.12]),
        }
    )
    supervisors = pl.DataFrame(
        {
            "corp_code": [_uscc(rng, rng.choice(area_codes)) for _ in range(n_sup)],
            "corp_name": [_firm_name(rng, "supervisor") for _ in range(n_sup)],
        }
    )
    labour_firms = pl.DataFrame(
        {
            "corp_code": [_uscc(rng, rng.choice(area_codes)) for _ in range(max(3, n // 6))],
            "corp_name": [_firm_name(rng, "labour") for _ in range(max(3, n // 6))],
        }
    )
    return Firms(contractors, owners, supervisors, labour_firms)


def draw_projects(
    rng: np.random.Generator, spec: Tier, n: int, area_codes: list[str], firms: Firms
) -> Projects:
    """Projects: their firms, dates, district, size, and the drivers they inherit from their firms."""
    con_idx = rng.integers(0, firms.contractors.height, n)
    own_idx = rng.integers(0, firms.owners.height, n)
    sup_idx = rng.integers(0, firms.supervisors.height, n)
    invest = rng.choice(["01", "02", "03"], n, p=[0.25, 0.2, 0.55])
    category = rng.choice(["01", "02", "03", "99"], n, p=[0.72, 0.18, 0.06, 0.04])
    span = (spec.end - spec.start).days
    start_offset = rng.integers(-400, int(span * 0.75), n)
    starts = [spec.start + timedelta(days=int(o)) for o in start_offset]
    duration = rng.integers(420, 900, n)
    area = rng.choice(area_codes, n)
    owner_stress = firms.owners["stress"].to_numpy()[own_idx] + np.where(invest == "03", 0.15, -0.05)
    owner_stress = np.clip(owner_stress + rng.normal(0, 0.05, n), 0, 1)
    distress = firms.contractors["distress"].to_numpy()[con_idx]
    crew = np.maximum(4, rng.gamma(4.0, spec.workers_per_project / 4.0, n)).round().astype(int)
    contract = np.round(crew * rng.uniform(0.8, 1.6, n) * 1.2e6, -3)
    codes = [f"{area[i]}{starts[i]:%Y}{i + 1:06d}" for i in range(n)]
    sloppy = firms.contractors["sloppy"].to_numpy()[con_idx]
    # managers who rarely come (挂证): common everywhere, the rule with a sloppy contractor
    pm_absent = rng.random(n) < 0.12 + 0.1 * distress + 0.5 * sloppy
    return Projects(
        codes=codes,
        con_idx=con_idx,
        own_idx=own_idx,
        sup_idx=sup_idx,
        invest=invest,
        category=category,
        starts=starts,
        duration=duration,
        area=area,
        owner_stress=owner_stress,
        distress=distress,
        crew=crew,
        contract=contract,
        sloppy=sloppy,
        pm_absent=pm_absent,
    )


def draw_drivers(
    rng: np.random.Generator, seed: int, world: World, firms: Firms, projects: Projects
) -> Drivers:
    """The latent monthly shock (AR(1)) and the owner's funding crises → true hazard of an arrears event within 60
    days after the month end. Calibrated so that arrears are uncommon (≈ 17 % of in-scope month ends see an event
    within 60 days; two in three during an owner's crisis) and concentrated where owner stress, contractor distress
    and a bad month coincide. The owner's funding weighs most (工程款拖欠 is the main source of 欠薪)."""
    mech, months = world.mechanism, month_starts(world.start, world.end)
    n, n_m, p = projects.n, len(months), projects
    shock = np.zeros((n, n_m))
    for t in range(1, n_m):
        shock[:, t] = mech.shock_ar * shock[:, t - 1] + rng.normal(0, mech.shock_sd, n)
    season = np.array(
        [1.0 if m.month not in (1, 2) else mech.season_factor for m in months]
    )  # year-end/Spring Festival pressure
    crisis = _owner_crises(
        np.random.default_rng([seed, 1]), firms.owners["stress"].to_numpy(), n_m, mechanism=mech
    )[p.own_idx]
    n_con = firms.contractors.height
    con_shock = _contractor_shock(seed, n_con, n_m, mech)[p.con_idx] if mech.w_contractor_shock else None
    extra = {"sloppy": p.sloppy.astype(float), "pm_absent": p.pm_absent.astype(float)}
    if con_shock is not None:
        extra["contractor_shock"] = con_shock
    logit = _logit(mech, p.owner_stress, p.distress, shock, crisis, season, extra)
    hazard = _sigmoid(logit)
    active = np.array(
        [
            [
                p.starts[i] <= month_end(m) and p.starts[i] + timedelta(days=int(p.duration[i])) >= m
                for m in months
            ]
            for i in range(n)
        ]
    )
    hazard = np.where(active, hazard, 0.0)
    return Drivers(months, shock, crisis, con_shock, hazard, active)


def project_status(
    rng: np.random.Generator, spec: Tier, projects: Projects, drivers: Drivers
) -> tuple[np.ndarray, np.ndarray]:
    """Each project's status at the world's end (在建 003, 竣工 004, 未开工 002, 停工 005) and whether it stopped:
    half the live projects whose last three months were dangerous."""
    n, starts = projects.n, projects.starts
    status = np.full(n, "003")
    ends_planned = planned_ends(projects)
    status[[e < spec.end for e in ends_planned]] = "004"
    status[[s > spec.end for s in starts]] = "002"
    stopped = (drivers.hazard[:, -3:].mean(axis=1) > 0.2) & (status == "003") & (rng.random(n) < 0.5)
    status[stopped] = "005"
    return status, stopped


def planned_ends(projects: Projects) -> list[date]:
    return [projects.starts[i] + timedelta(days=int(projects.duration[i])) for i in range(projects.n)]


def project_month_table(projects: Projects, drivers: Drivers, sites: Sites) -> pl.DataFrame:
    """Truth: hazard and drivers per project × month."""
    n, n_m = projects.n, len(drivers.months)
    table = pl.DataFrame(
        {
            "project_code": np.repeat(projects.codes, n_m),
            "month": [f"{m:%Y-%m}" for m in drivers.months] * n,
            "true_hazard": drivers.hazard.ravel(),
            "owner_stress": np.repeat(projects.owner_stress, n_m),
            "contractor_distress": np.repeat(projects.distress, n_m),
            "shock": drivers.shock.ravel(),
            "owner_crisis": drivers.crisis.ravel(),
            "is_active": drivers.active.ravel(),
            "upload_dark": sites.upload_dark.ravel(),
        }
    )
    if drivers.contractor_shock is not None:  # variants only: base's truth keeps its historical columns
        table = table.with_columns(contractor_shock=pl.Series(drivers.contractor_shock.ravel()))
    return table


def crew_table(projects: Projects, sites: Sites) -> pl.DataFrame:
    """What attendance needs beyond the roster, per project (world.tables["_crew"], not delivered)."""
    return pl.DataFrame(
        {
            "project_code": projects.codes,
            "crew": projects.crew,
            "pm_absent": projects.pm_absent,
            "stopped": sites.stopped,
            "sloppy": projects.sloppy,
            "first_upload": sites.first_upload,
        }
    )
