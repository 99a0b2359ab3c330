"""A causal synthetic world: owners' funding stress and contractors' distress drive every source.

The world is built as clean canonical tables (snake_case columns, canonical codes, clear values); `writers.py`
turns them into platform deliveries. Per project and month the true hazard of an arrears event within the
horizon is a known function of the latent drivers, and events are drawn from it, so the risk model can be
validated against the truth.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

import numpy as np
import polars as pl

from pipelines.identifiers import USCC_ALPHABET, id_check_char, uscc_check_char
from pipelines.synth import names
from pipelines.synth.mechanism import BASE, Mechanism, mechanism_named

SPRING_FESTIVAL = date(2025, 1, 29)


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


def month_starts(start: date, end: date) -> list[date]:
    out, d = [], date(start.year, start.month, 1)
    while d <= end:
        out.append(d)
        d = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return out


def month_end(d: date) -> date:
    nxt = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def _uscc(rng: np.random.Generator, area: str) -> str:
    body = "91" + area + "".join(rng.choice(list(USCC_ALPHABET[:31]), 9))
    return body + uscc_check_char(body)


def _id_number(rng: np.random.Generator) -> str:
    area = rng.choice(names.HOME_AREAS)
    born = date(1962, 1, 1) + timedelta(days=int(rng.integers(0, 365 * 42)))
    first17 = f"{area}{born:%Y%m%d}{rng.integers(0, 1000):03d}"
    return first17 + id_check_char(first17)


def _person(rng: np.random.Generator) -> dict[str, str]:
    name = rng.choice(list(names.SURNAMES)) + "".join(rng.choice(list(names.GIVEN), int(rng.integers(1, 3))))
    bank_code, _ = names.BANKS[int(rng.integers(0, len(names.BANKS)))]
    card = "62" + "".join(str(x) for x in rng.integers(0, 10, 17))
    phone = "1" + str(rng.choice([3, 5, 7, 8, 9])) + "".join(str(x) for x in rng.integers(0, 10, 9))
    return {
        "id_card_number": _id_number(rng),
        "worker_name": name,
        "pay_roll_bank_card_number": card,
        "pay_roll_bank_code": bank_code,
        "cell_phone": phone,
    }


def _firm_name(rng: np.random.Generator, kind: str) -> str:
    place = rng.choice(names.FIRM_PLACES)
    word = {
        "owner": rng.choice(["置业", "房地产开发", "城建投资", "实业"]),
        "supervisor": "工程监理",
        "labour": "劳务",
    }.get(kind, rng.choice(names.FIRM_WORDS))
    return f"{place}{rng.choice(list('鑫华泰隆盛鸿宏兴海达安'))}{rng.choice(list('源丰德信通业昌发'))}{word}有限公司"


# explicit, because a small calm world may have no complaint at all
COMPLAINT_SCHEMA = {
    "case_id": pl.Utf8,
    "project_code": pl.Utf8,
    "corp_code": pl.Utf8,
    "area_code": pl.Utf8,
    "received_date": pl.Date,
    "channel": pl.Utf8,
    "workers_involved": pl.Int64,
    "amount_claimed": pl.Float64,
    "status": pl.Utf8,
    "closed_date": pl.Date,
    "is_verified": pl.Boolean,
    "amount_recovered": pl.Float64,
}


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


def _late_payroll_districts(seed: int, districts: list[str], mechanism: Mechanism) -> dict[str, int]:
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
    still ends at the tier's end."""
    mech = mechanism_named(mechanism)
    spec = TIERS[tier]
    if start is not None:
        if start >= spec.end:
            raise ValueError(f"start {start} must be before the tier's end {spec.end}")
        spec = replace(spec, start=date(start.year, start.month, 1))
    rng = np.random.default_rng(seed)
    n = n_projects or spec.n_projects
    area_codes = list(areas or (names.QUANZHOU_AREAS if tier != "province" else names.FUJIAN_AREAS))
    months = month_starts(spec.start, spec.end)
    world = World(tier=tier, start=spec.start, end=spec.end, mechanism=mech)

    # --- firms: contractors (总包) with a persistent distress, owners (建设单位) with funding stress
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

    # --- projects
    con_idx = rng.integers(0, n_con, n)
    own_idx = rng.integers(0, n_own, n)
    sup_idx = rng.integers(0, n_sup, n)
    invest = rng.choice(["01", "02", "03"], n, p=[0.25, 0.2, 0.55])
    category = rng.choice(["01", "02", "03", "99"], n, p=[0.72, 0.18, 0.06, 0.04])
    span = (spec.end - spec.start).days
    start_offset = rng.integers(-400, int(span * 0.75), n)
    starts = [spec.start + timedelta(days=int(o)) for o in start_offset]
    duration = rng.integers(420, 900, n)
    area = rng.choice(area_codes, n)
    owner_stress = owners["stress"].to_numpy()[own_idx] + np.where(invest == "03", 0.15, -0.05)
    owner_stress = np.clip(owner_stress + rng.normal(0, 0.05, n), 0, 1)
    distress = contractors["distress"].to_numpy()[con_idx]
    crew = np.maximum(4, rng.gamma(4.0, spec.workers_per_project / 4.0, n)).round().astype(int)
    contract = np.round(crew * rng.uniform(0.8, 1.6, n) * 1.2e6, -3)
    codes = [f"{area[i]}{starts[i]:%Y}{i + 1:06d}" for i in range(n)]
    sloppy = contractors["sloppy"].to_numpy()[con_idx]
    # managers who rarely come (挂证): common everywhere, the rule with a sloppy contractor
    pm_absent = rng.random(n) < 0.12 + 0.1 * distress + 0.5 * sloppy

    # latent monthly shock (AR(1)) and the owner's funding crises → true hazard of an arrears event within 60 days
    # after the month end. Calibrated so that arrears are uncommon (≈ 17 % of in-scope month ends see an event within
    # 60 days; two in three during an owner's crisis) and concentrated where owner stress, contractor distress and a
    # bad month coincide. The owner's funding weighs most (工程款拖欠 is the main source of 欠薪).
    n_m = len(months)
    shock = np.zeros((n, n_m))
    for t in range(1, n_m):
        shock[:, t] = mech.shock_ar * shock[:, t - 1] + rng.normal(0, mech.shock_sd, n)
    season = np.array(
        [1.0 if m.month not in (1, 2) else mech.season_factor for m in months]
    )  # year-end/Spring Festival pressure
    crisis = _owner_crises(
        np.random.default_rng([seed, 1]), owners["stress"].to_numpy(), n_m, mechanism=mech
    )[own_idx]
    con_shock = _contractor_shock(seed, n_con, n_m, mech)[con_idx] if mech.w_contractor_shock else None
    logit = _logit(
        mech,
        owner_stress,
        distress,
        shock,
        crisis,
        season,
        {"sloppy": sloppy.astype(float), "pm_absent": pm_absent.astype(float), "contractor_shock": con_shock},
    )
    hazard = _sigmoid(logit)
    active = np.array(
        [
            [starts[i] <= month_end(m) and starts[i] + timedelta(days=int(duration[i])) >= m for m in months]
            for i in range(n)
        ]
    )
    hazard = np.where(active, hazard, 0.0)
    world.payroll_delay_days = _late_payroll_districts(seed, sorted(set(area)), mech)
    upload_dark, first_upload = upload_outages(
        np.random.default_rng([seed, 2]), area, area_codes, sloppy, starts, n_m
    )

    status = np.full(n, "003")
    ends_planned = [starts[i] + timedelta(days=int(duration[i])) for i in range(n)]
    status[[e < spec.end for e in ends_planned]] = "004"
    status[[s > spec.end for s in starts]] = "002"
    stopped = (hazard[:, -3:].mean(axis=1) > 0.2) & (status == "003") & (rng.random(n) < 0.5)
    status[stopped] = "005"

    world.tables["project"] = pl.DataFrame(
        {
            "project_code": codes,
            "name": [
                f"{names.QUANZHOU_AREAS.get(area[i], '福建')}{rng.choice(names.PROJECT_KINDS)}{i + 1}期"
                for i in range(n)
            ],
            "area_code": area,
            "category": category,
            "build_corp_code": owners["corp_code"].to_numpy()[own_idx],
            "build_corp_name": owners["corp_name"].to_numpy()[own_idx],
            "contractor_corp_code": contractors["corp_code"].to_numpy()[con_idx],
            "contractor_corp_name": contractors["corp_name"].to_numpy()[con_idx],
            "invest_type": invest,
            "contract_amount": contract,
            "labor_cost_ratio": np.where(rng.random(n) < 0.6, 0.2, np.nan),
            "builder_license_date": [s - timedelta(days=int(rng.integers(5, 40))) for s in starts],
            "start_date": starts,
            "complete_date": ends_planned,
            "prj_status": status,
            "is_integrated": rng.random(n) < 0.8,
        }
    ).with_columns(pl.col("labor_cost_ratio").fill_nan(None))

    # --- people: crews, a project manager (009) and a chief supervisor (007) on every roster
    roster_rows, corp_rows, team_rows = [], [], []
    for i in range(n):
        n_people = int(crew[i] * 1.35) + 2
        teams = [f"{codes[i][-6:]}T{t + 1}" for t in range(int(rng.integers(2, 5)))]
        sub = labour_firms.row(int(rng.integers(0, labour_firms.height)), named=True)
        for t in teams:
            team_rows.append(
                {
                    "project_code": codes[i],
                    "team_sys_no": t,
                    "team_name": f"{t[-2:]}班组",
                    "corp_code": sub["corp_code"],
                    "leader_id_card_number": None,
                    "entry_time": starts[i],
                    "exit_time": None,
                }
            )
        for j in range(n_people):
            p = _person(rng)
            is_pm, is_chief = j == 0, j == 1
            # the PM and the chief supervisor stay for the project's life (their absence is pm_absent, not exit)
            entry = starts[i] + timedelta(days=0 if j < 2 else int(rng.integers(0, 60)))
            leaves = j >= 2 and rng.random() < 0.3
            exit_ = entry + timedelta(days=int(rng.integers(30, 300))) if leaves else None
            roster_rows.append(
                {
                    "project_code": codes[i],
                    "id_card_type": "01",
                    **p,
                    "corp_code": (
                        contractors["corp_code"][int(con_idx[i])]
                        if is_pm
                        else supervisors["corp_code"][int(sup_idx[i])]
                        if is_chief
                        else sub["corp_code"]
                    ),
                    "team_sys_no": None if j < 2 else teams[j % len(teams)],
                    "work_type": "900"
                    if j < 2
                    else str(rng.choice(["010", "020", "030", "040", "050", "390"])),
                    "work_role": "10" if j < 2 else "20",
                    "position": "项目经理" if is_pm else "总监理工程师" if is_chief else None,
                    "entry_time": entry,
                    "exit_time": exit_,
                    "has_contract": bool(rng.random() < 0.93 - 0.2 * distress[i]),
                }
            )
        pm = roster_rows[-n_people]
        chief = roster_rows[-n_people + 1]
        corp_rows += [
            {
                "project_code": codes[i],
                "corp_code": contractors["corp_code"][int(con_idx[i])],
                "corp_type": "009",
                "corp_name": contractors["corp_name"][int(con_idx[i])],
                "entry_time": starts[i],
                "exit_time": None,
                "pm_name": pm["worker_name"],
                "pm_id_card_type": "01",
                "pm_id_card_number": pm["id_card_number"],
                "pm_phone": pm["cell_phone"],
            },
            {
                "project_code": codes[i],
                "corp_code": supervisors["corp_code"][int(sup_idx[i])],
                "corp_type": "007",
                "corp_name": supervisors["corp_name"][int(sup_idx[i])],
                "entry_time": starts[i],
                "exit_time": None,
                "pm_name": chief["worker_name"],
                "pm_id_card_type": "01",
                "pm_id_card_number": chief["id_card_number"],
                "pm_phone": chief["cell_phone"],
            },
            {
                "project_code": codes[i],
                "corp_code": owners["corp_code"][int(own_idx[i])],
                "corp_type": "008",
                "corp_name": owners["corp_name"][int(own_idx[i])],
                "entry_time": starts[i],
                "exit_time": None,
                "pm_name": None,
                "pm_id_card_type": None,
                "pm_id_card_number": None,
                "pm_phone": None,
            },
            {
                "project_code": codes[i],
                "corp_code": sub["corp_code"],
                "corp_type": "006",
                "corp_name": sub["corp_name"],
                "entry_time": starts[i],
                "exit_time": None,
                "pm_name": None,
                "pm_id_card_type": None,
                "pm_id_card_number": None,
                "pm_phone": None,
            },
        ]
    world.tables["project_worker"] = pl.DataFrame(roster_rows, infer_schema_length=None)
    world.tables["project_corp"] = pl.DataFrame(corp_rows, infer_schema_length=None)
    world.tables["team"] = pl.DataFrame(team_rows, infer_schema_length=None).with_columns(
        pl.col("leader_id_card_number").cast(pl.Utf8), pl.col("exit_time").cast(pl.Date)
    )

    world.project_month = pl.DataFrame(
        {
            "project_code": np.repeat(codes, n_m),
            "month": [f"{m:%Y-%m}" for m in months] * n,
            "true_hazard": hazard.ravel(),
            "owner_stress": np.repeat(owner_stress, n_m),
            "contractor_distress": np.repeat(distress, n_m),
            "shock": shock.ravel(),
            "owner_crisis": crisis.ravel(),
            "is_active": active.ravel(),
            "upload_dark": upload_dark.ravel(),
        }
    )
    if con_shock is not None:  # variants only: base's truth keeps its historical columns
        world.project_month = world.project_month.with_columns(contractor_shock=pl.Series(con_shock.ravel()))
    _money_and_cases(
        world,
        rng,
        months,
        hazard,
        shock,
        crisis,
        active,
        owner_stress,
        distress,
        contract,
        contractors,
        own_idx,
        owners,
        sloppy,
    )
    world.tables["_crew"] = pl.DataFrame(
        {
            "project_code": codes,
            "crew": crew,
            "pm_absent": pm_absent,
            "stopped": stopped,
            "sloppy": sloppy,
            "first_upload": first_upload,
        }
    )
    return world


def _money_and_cases(
    world: World,
    rng: np.random.Generator,
    months: list[date],
    hazard: np.ndarray,
    shock: np.ndarray,
    crisis: np.ndarray,
    active: np.ndarray,
    owner_stress: np.ndarray,
    distress: np.ndarray,
    contract: np.ndarray,
    contractors: pl.DataFrame,
    own_idx: np.ndarray,
    owners: pl.DataFrame,
    sloppy: np.ndarray,
) -> None:
    """Progress, wage accounts and flows, payroll, guarantees, deposits, complaints and credit events."""
    mech = world.mechanism
    proj = world.tables["project"]
    codes = proj["project_code"].to_list()
    roster = world.tables["project_worker"].filter(pl.col("work_role") == "20")
    by_project = roster.partition_by("project_code", as_dict=True)
    progress, accounts, txns, payroll, complaints, events = [], [], [], [], [], []
    txn_seq = 0
    for i, code in enumerate(codes):
        has_account = rng.random() > 0.06 + 0.1 * distress[i]
        account = f"3505{rng.integers(10**11, 10**12)}"
        other_account = f"3505{rng.integers(10**11, 10**12)}"
        if has_account:
            accounts.append(
                {
                    "account_number": account,
                    "project_code": code,
                    "corp_code": proj["contractor_corp_code"][i],
                    "bank_code": "105",
                    "bank_name": "中国建设银行",
                    "open_date": proj["start_date"][i] - timedelta(days=int(rng.integers(0, 30))),
                    "close_date": None,
                    "has_tripartite_agreement": bool(rng.random() < 0.85),
                }
            )
        workers = by_project.get((code,))
        ids = workers["id_card_number"].to_list() if workers is not None else []
        cards = workers["pay_roll_bank_card_number"].to_list() if workers is not None else []
        roles = workers["work_role"].to_list() if workers is not None else []
        entries = [_as_date(v) for v in workers["entry_time"].to_list()] if workers is not None else []
        exits = [_as_date(v) for v in workers["exit_time"].to_list()] if workers is not None else []
        balance = 0.0
        ratio = proj["labor_cost_ratio"][i] or 0.2
        period = int(owners["pay_period"][int(own_idx[i])])
        paid_ahead = 0  # months of labour cost a prepaying owner has already funded
        for t, m in enumerate(months):
            if not active[i, t]:
                continue
            me = month_end(m)
            h = hazard[i, t]
            completed = contract[i] / 24 * rng.uniform(0.7, 1.3) * (0.3 if m.month == 2 else 1.0)
            certified = completed * rng.uniform(0.85, 0.95)
            # the owner's payment for the work (给付率) falls with its stress and with a bad month: the first sign
            shortfall = (
                mech.pay_stress_weight * owner_stress[i] * rng.uniform(0.3, 1.1)
                + mech.pay_shock_weight * shock[i, t]
                + mech.crisis_pay_cut * crisis[i, t]
                + rng.normal(0, 0.05)
            )
            paid_value = certified * float(np.clip(1 - shortfall, 0.05, 1))
            progress.append(
                {
                    "project_code": code,
                    "month": f"{m:%Y-%m}",
                    "completed_value": round(completed, 2),
                    "certified_value": round(certified, 2),
                    "paid_value": round(paid_value, 2),
                }
            )
            # labour-cost inflow (人工费拨付): a prepaying owner funds `period` months at once; in trouble the
            # inflow is missing or short (more so when the owner is stressed)
            due = paid_ahead == 0
            paid_ahead = max(0, paid_ahead - 1)
            if has_account and due and rng.random() > 0.03 + 2.5 * h:
                short_pay = rng.random() < 0.1 * owner_stress[i] + 2.5 * h
                factor = (
                    float(np.clip(1 - owner_stress[i] * rng.uniform(0.2, 1.2), 0.1, 0.97))
                    if short_pay
                    else float(rng.uniform(1.0, 1.12))
                )
                inflow = ratio * certified * factor * period
                paid_ahead = period - 1
                txn_seq += 1
                balance += inflow
                txns.append(
                    {
                        "txn_id": f"T{txn_seq:09d}",
                        "account_number": account,
                        "txn_time": datetime(m.year, m.month, int(rng.integers(5, 26)), 10, 30),
                        "direction": "01",
                        "amount": round(inflow, 2),
                        "balance": round(balance, 2),
                        "counterparty_name": proj["build_corp_name"][i],
                        "counterparty_account": None,
                        "txn_type": "01",
                    }
                )
            # payroll for pay month m, paid in m+1 (late / short when the project is in trouble)
            # the month's crew (workers, not managers, on the roster during m) is paid; in trouble some go unpaid
            crew_m = [
                k
                for k in range(len(ids))
                if roles[k] != "10" and entries[k] <= me and (exits[k] is None or exits[k] >= m)
            ]
            if not crew_m:
                continue
            # a few attendees without a pay line happen anywhere (paid by a labour firm elsewhere); in trouble
            # more go unpaid. Late pay has benign causes too (a disputed final account, a holiday).
            unpaid_share = (
                float(rng.uniform(0.1, 0.5))
                if rng.random() < 0.01 + 1.5 * h
                else float(rng.uniform(0.02, 0.08))
                if rng.random() < 0.03
                else 0.0
            )
            n_paid = max(1, round(len(crew_m) * (1 - unpaid_share)))
            chosen = rng.choice(crew_m, n_paid, replace=False)
            late = rng.random() < 0.03 + 2.0 * h
            short = rng.random() < 0.004 + 2.0 * h
            pay_date = me + timedelta(days=int(rng.integers(35, 75) if late else rng.integers(8, 26)))
            via_other = rng.random() < 0.04 + 0.1 * distress[i]
            month_total = 0.0
            lines: list[dict] = []
            for k in chosen:
                days = int(rng.integers(8, 27))
                total = round(days * float(rng.uniform(260, 420)), 2)
                actual = (
                    round(total * float(rng.uniform(0.4, 0.85)), 2) if short and rng.random() < 0.6 else total
                )
                month_total += actual
                line = {
                    "project_code": code,
                    "corp_code": proj["contractor_corp_code"][i],
                    "team_sys_no": None,
                    "pay_month": f"{m:%Y-%m}",
                    "id_card_number": ids[k],
                    "days": days,
                    "work_hours": days * 8.0,
                    "total_pay_amount": total,
                    "actual_amount": actual,
                    "is_back_pay": False,
                    "balance_date": pay_date,
                    "pay_bank_card_number": account,
                    "pay_roll_bank_card_number": cards[k],
                }
                lines.append(line)
                if actual < total and rng.random() < 0.45:  # made good by back pay
                    lines.append(
                        {
                            **line,
                            "is_back_pay": True,
                            "actual_amount": round(total - actual, 2),
                            "total_pay_amount": 0.0,
                            "balance_date": pay_date + timedelta(days=int(rng.integers(5, 25))),
                        }
                    )
            # the bank does not let a wage account go negative: without the money there (or without an account)
            # the contractor pays from another account, which R04 sees
            from_account = has_account and not via_other and balance >= month_total
            if not from_account:
                for line in lines:
                    line["pay_bank_card_number"] = other_account
            payroll.extend(lines)
            if from_account:
                txn_seq += 1
                balance -= month_total
                txns.append(
                    {
                        "txn_id": f"T{txn_seq:09d}",
                        "account_number": account,
                        "txn_time": datetime(pay_date.year, pay_date.month, pay_date.day, 15, 0),
                        "direction": "02",
                        "amount": round(month_total, 2),
                        "balance": round(balance, 2),
                        "counterparty_name": None,
                        "counterparty_account": None,
                        "txn_type": "02",
                    }
                )
            due_total = sum(line["total_pay_amount"] for line in lines)
            if sum(line["actual_amount"] for line in lines) < due_total - 1:
                events.append(
                    {
                        "project_code": code,
                        "event_date": pay_date,
                        "kind": "unpaid_shortfall",
                        "pay_month": f"{m:%Y-%m}",
                    }
                )
            # complaints follow trouble with a lag of one to two months; a few come from anywhere (a dispute
            # over a day rate, a worker who left) and are rarely upheld
            in_trouble = rng.random() < 0.5 * h
            if in_trouble or rng.random() < 0.012:
                received = me + timedelta(days=int(rng.integers(10, 60)))
                if received <= world.end:
                    verified = rng.random() < (0.7 if in_trouble else 0.15)
                    closed = received + timedelta(days=int(rng.integers(3, 45)))
                    is_closed = closed <= world.end
                    complaints.append(
                        {
                            "case_id": f"TS{received:%Y%m%d}{len(complaints) + 1:05d}",
                            "project_code": code,
                            "corp_code": proj["contractor_corp_code"][i],
                            "area_code": proj["area_code"][i],
                            "received_date": received,
                            "channel": str(rng.choice(["12345", "码上办", "来访", "网络"])),
                            "workers_involved": int(rng.integers(3, 40)),
                            "amount_claimed": round(float(rng.uniform(2e4, 6e5)), 2),
                            "status": "03" if is_closed else str(rng.choice(["01", "02"])),
                            "closed_date": closed if is_closed else None,
                            "is_verified": bool(verified),
                            "amount_recovered": round(float(rng.uniform(1e4, 3e5)), 2) if is_closed else None,
                        }
                    )
                    if verified:
                        events.append(
                            {
                                "project_code": code,
                                "event_date": received,
                                "kind": "verified_complaint",
                                "pay_month": None,
                            }
                        )
    if not complaints:  # a small calm world may draw none; every entity must be delivered
        i = int(np.argmax(hazard.max(axis=1)))
        received = world.end - timedelta(days=int(rng.integers(20, 60)))
        complaints.append(
            {
                "case_id": f"TS{received:%Y%m%d}00001",
                "project_code": codes[i],
                "corp_code": proj["contractor_corp_code"][i],
                "area_code": proj["area_code"][i],
                "received_date": received,
                "channel": "12345",
                "workers_involved": 3,
                "amount_claimed": 30000.0,
                "status": "02",
                "closed_date": None,
                "is_verified": False,
                "amount_recovered": None,
            }
        )
    world.tables["project_progress"] = pl.DataFrame(progress)
    world.tables["wage_account"] = pl.DataFrame(accounts, infer_schema_length=None).with_columns(
        pl.col("close_date").cast(pl.Date)
    )
    world.tables["account_txn"] = pl.DataFrame(txns, infer_schema_length=None).with_columns(
        pl.col("counterparty_name").cast(pl.Utf8), pl.col("counterparty_account").cast(pl.Utf8)
    )
    world.tables["payroll"] = pl.DataFrame(payroll, infer_schema_length=None).with_columns(
        pl.col("team_sys_no").cast(pl.Utf8)
    )
    world.tables["complaint"] = pl.DataFrame(complaints, schema=COMPLAINT_SCHEMA)
    world.events = pl.DataFrame(
        events, schema={"project_code": pl.Utf8, "event_date": pl.Date, "kind": pl.Utf8, "pay_month": pl.Utf8}
    )

    # guarantees (工程款支付担保) and deposits (工资保证金)
    n = len(codes)
    has_g = rng.random(n) < 0.75 - 0.2 * owner_stress - 0.4 * sloppy
    g_start = proj["start_date"].to_list()
    world.tables["payment_guarantee"] = pl.DataFrame(
        [
            {
                "guarantee_no": f"G{i + 1:07d}",
                "project_code": codes[i],
                "build_corp_code": proj["build_corp_code"][i],
                "guarantee_type": str(rng.choice(["01", "02", "03"])),
                "amount": round(
                    float(
                        contract[i] * rng.uniform(0.10, 0.2) * (0.6 if rng.random() < owner_stress[i] else 1)
                    ),
                    2,
                ),
                "start_date": g_start[i],
                # a guarantee normally runs to completion; stressed owners let it lapse early
                "end_date": (
                    g_start[i] + timedelta(days=int(rng.integers(200, 500)))
                    if rng.random() < owner_stress[i]
                    else proj["complete_date"][i] + timedelta(days=int(rng.integers(0, 180)))
                ),
                "issuer_name": "中国建设银行泉州分行",
                "is_on_demand": bool(rng.random() < 0.7),
            }
            for i in range(n)
            if has_g[i]
        ]
    )
    n_con = contractors.height
    has_d = (
        rng.random(n_con)
        < 0.85 - 0.3 * contractors["distress"].to_numpy() - 0.5 * contractors["sloppy"].to_numpy()
    )
    world.tables["wage_deposit"] = pl.DataFrame(
        [
            {
                "deposit_no": f"D{j + 1:06d}",
                "corp_code": contractors["corp_code"][j],
                "project_code": None,
                "amount": round(float(rng.uniform(3e5, 2e6)), 2),
                "form": str(rng.choice(["01", "02", "03"])),
                "deposit_date": world.start - timedelta(days=int(rng.integers(30, 400))),
                "expire_date": world.end + timedelta(days=int(rng.integers(-120, 500))),
                "status": "01",
            }
            for j in range(n_con)
            if has_d[j]
        ],
        infer_schema_length=None,
    ).with_columns(pl.col("project_code").cast(pl.Utf8))
    credit = []
    for j in range(n_con):
        for _ in range(int(rng.poisson(2.5 * contractors["distress"][j] ** 2))):
            credit.append(
                {
                    "corp_code": contractors["corp_code"][j],
                    "event_type": str(rng.choice(["01", "02", "06", "07"], p=[0.25, 0.4, 0.2, 0.15])),
                    "event_date": world.start - timedelta(days=int(rng.integers(-300, 600))),
                    "corp_name": contractors["corp_name"][j],
                    "points": float(rng.integers(1, 10)),
                    "source": "福建省建筑市场监管平台",
                }
            )
    if not credit:  # small worlds (tiny: 4 contractors) often draw none; every entity must be delivered
        j = int(np.argmax(contractors["distress"].to_numpy()))
        credit.append(
            {
                "corp_code": contractors["corp_code"][j],
                "event_type": "02",
                "event_date": world.start - timedelta(days=int(rng.integers(30, 365))),
                "corp_name": contractors["corp_name"][j],
                "points": 2.0,
                "source": "福建省建筑市场监管平台",
            }
        )
    world.tables["credit_event"] = pl.DataFrame(
        credit,
        schema={
            "corp_code": pl.Utf8,
            "event_type": pl.Utf8,
            "event_date": pl.Date,
            "corp_name": pl.Utf8,
            "points": pl.Float64,
            "source": pl.Utf8,
        },
    ).unique(["corp_code", "event_type", "event_date"], maintain_order=True)


def attendance_for(world: World, first: date, last: date, rng: np.random.Generator) -> pl.DataFrame:
    """Punches of every roster person present between two dates (vectorised per project)."""
    proj = world.tables["project"]
    crew = world.tables["_crew"]
    roster = world.tables["project_worker"]
    days = np.array([first + timedelta(days=k) for k in range((last - first).days + 1)])
    frames = []
    for i, code in enumerate(proj["project_code"].to_list()):
        start = proj["start_date"][i]
        end = proj["complete_date"][i]
        live = np.array([(start <= d <= end) for d in days])
        if not live.any():
            continue
        people = roster.filter(pl.col("project_code") == code)
        ids = people["id_card_number"].to_numpy()
        entry = people["entry_time"].to_numpy().astype("datetime64[D]")
        exit_ = people["exit_time"].fill_null(date(2100, 1, 1)).to_numpy().astype("datetime64[D]")
        role = people["work_role"].to_numpy()
        d64 = days.astype("datetime64[D]")
        on_roster = (entry[None, :] <= d64[:, None]) & (exit_[None, :] >= d64[:, None]) & live[:, None]
        base = crew["crew"][i] / max(1, (role == "20").sum())
        p = np.full(len(days), min(0.95, base))
        dow = np.array([d.weekday() for d in days])
        p = p * np.where(dow == 6, 0.6, 1.0)
        sf = np.array([abs((d - SPRING_FESTIVAL).days) <= 12 for d in days])
        p = np.where(sf, p * 0.08, p)
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
        if crew["sloppy"][i] and len(days) >= 20 and rng.random() < 0.3:  # a gap in the uploads, not on site
            gap = int(rng.integers(0, len(days) - 10))
            p[gap : gap + int(rng.integers(8, 12))] = 0.0
        present = (rng.random(on_roster.shape) < p[:, None]) & on_roster
        manager = role == "10"
        mgr_p = 0.25 if crew["pm_absent"][i] else 0.85
        present[:, manager] = (
            (rng.random((len(days), manager.sum())) < mgr_p)
            & on_roster[:, manager]
            & ((dow != 6) & (p > 0))[:, None]  # p is 0 only in an upload gap
        )
        di, wi = np.nonzero(present)
        if len(di) == 0:
            continue
        t_in = rng.integers(6 * 3600 + 1800, 8 * 3600 + 1800, len(di))
        t_out = rng.integers(17 * 3600, 18 * 3600 + 1800, len(di))
        has_out = rng.random(len(di)) < 0.85
        base_ts = d64[di].astype("datetime64[us]")
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
        frames += [ins, outs]
    if not frames:
        return pl.DataFrame(
            schema={
                "project_code": pl.Utf8,
                "id_card_number": pl.Utf8,
                "date": pl.Datetime("us"),
                "direction": pl.Utf8,
            }
        )
    out = pl.concat(frames).with_columns(pl.col("date").cast(pl.Datetime("us")))
    return out.with_columns(
        team_sys_no=pl.lit(None, pl.Utf8),
        attend_type=pl.lit("001"),
        lng=pl.lit(118.6),
        lat=pl.lit(24.9),
    ).sort("project_code", "date", "id_card_number", "direction")


def _as_date(value: date | datetime | None) -> date | None:
    """Roster times as dates (entry/exit are datetimes in the platform's schema)."""
    if value is None:
        return None
    return value.date() if isinstance(value, datetime) else value
