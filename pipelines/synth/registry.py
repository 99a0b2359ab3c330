"""The registry tables: projects (项目), their rosters (项目人员), participating firms (参建单位), teams (班组) and
the contractors' credit records (信用记录)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import polars as pl

from pipelines.identifiers import id_check_char
from pipelines.synth import names
from pipelines.synth.state import Firms, Projects


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


def project_table(
    rng: np.random.Generator, projects: Projects, firms: Firms, status: np.ndarray
) -> pl.DataFrame:
    """The project registry (项目) as at the world's end."""
    p, n = projects, projects.n
    owners, contractors = firms.owners, firms.contractors
    return pl.DataFrame(
        {
            "project_code": p.codes,
            "name": [
                f"{names.QUANZHOU_AREAS.get(p.area[i], '福建')}{rng.choice(names.PROJECT_KINDS)}{i + 1}期"
                for i in range(n)
            ],
            "area_code": p.area,
            "category": p.category,
            "build_corp_code": owners["corp_code"].to_numpy()[p.own_idx],
            "build_corp_name": owners["corp_name"].to_numpy()[p.own_idx],
            "contractor_corp_code": contractors["corp_code"].to_numpy()[p.con_idx],
            "contractor_corp_name": contractors["corp_name"].to_numpy()[p.con_idx],
            "invest_type": p.invest,
            "contract_amount": p.contract,
            "labor_cost_ratio": np.where(rng.random(n) < 0.6, 0.2, np.nan),
            "builder_license_date": [s - timedelta(days=int(rng.integers(5, 40))) for s in p.starts],
            "start_date": p.starts,
            "complete_date": [p.starts[i] + timedelta(days=int(p.duration[i])) for i in range(n)],
            "prj_status": status,
            "is_integrated": rng.random(n) < 0.8,
        }
    ).with_columns(pl.col("labor_cost_ratio").fill_nan(None))


def people_tables(
    rng: np.random.Generator, projects: Projects, firms: Firms
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Rosters (project_worker), participating firms (project_corp) and teams (team): crews, a project manager
    (009) and a chief supervisor (007) on every roster."""
    roster_rows: list[dict] = []
    corp_rows: list[dict] = []
    team_rows: list[dict] = []
    for i in range(projects.n):
        teams = _teams(rng, projects, firms, i)
        team_rows += _team_rows(projects, i, teams)
        people = _roster_rows(rng, projects, firms, i, teams)
        roster_rows += people
        corp_rows += _corp_rows(projects, firms, i, teams.labour, people)
    return (
        pl.DataFrame(roster_rows, infer_schema_length=None),
        pl.DataFrame(corp_rows, infer_schema_length=None),
        pl.DataFrame(team_rows, infer_schema_length=None).with_columns(
            pl.col("leader_id_card_number").cast(pl.Utf8), pl.col("exit_time").cast(pl.Date)
        ),
    )


@dataclass(frozen=True)
class Teams:
    """A project's teams (班组) and the labour firm (劳务) that employs them (a row of Firms.labour_firms)."""

    names: list[str]
    labour: dict


def _teams(rng: np.random.Generator, projects: Projects, firms: Firms, i: int) -> Teams:
    """A project's teams (班组) and the labour firm (劳务) that employs them."""
    code = projects.codes[i]
    teams = [f"{code[-6:]}T{t + 1}" for t in range(int(rng.integers(2, 5)))]
    sub = firms.labour_firms.row(int(rng.integers(0, firms.labour_firms.height)), named=True)
    return Teams(teams, sub)


def _team_rows(projects: Projects, i: int, teams: Teams) -> list[dict]:
    sub = teams.labour
    return [
        {
            "project_code": projects.codes[i],
            "team_sys_no": t,
            "team_name": f"{t[-2:]}班组",
            "corp_code": sub["corp_code"],
            "leader_id_card_number": None,
            "entry_time": projects.starts[i],
            "exit_time": None,
        }
        for t in teams.names
    ]


def _roster_rows(
    rng: np.random.Generator, projects: Projects, firms: Firms, i: int, teams: Teams
) -> list[dict]:
    """A project's roster: the manager first, the chief supervisor second, then the crew."""
    start, distress = projects.starts[i], projects.distress
    sub, team_names = teams.labour, teams.names
    rows = []
    for j in range(int(projects.crew[i] * 1.35) + 2):
        p = _person(rng)
        is_pm, is_chief = j == 0, j == 1
        # the PM and the chief supervisor stay for the project's life (their absence is pm_absent, not exit)
        entry = start + timedelta(days=0 if j < 2 else int(rng.integers(0, 60)))
        leaves = j >= 2 and rng.random() < 0.3
        exit_ = entry + timedelta(days=int(rng.integers(30, 300))) if leaves else None
        rows.append(
            {
                "project_code": projects.codes[i],
                "id_card_type": "01",
                **p,
                "corp_code": (
                    firms.contractors["corp_code"][int(projects.con_idx[i])]
                    if is_pm
                    else firms.supervisors["corp_code"][int(projects.sup_idx[i])]
                    if is_chief
                    else sub["corp_code"]
                ),
                "team_sys_no": None if j < 2 else team_names[j % len(team_names)],
                "work_type": "900" if j < 2 else str(rng.choice(["010", "020", "030", "040", "050", "390"])),
                "work_role": "10" if j < 2 else "20",
                "position": "项目经理" if is_pm else "总监理工程师" if is_chief else None,
                "entry_time": entry,
                "exit_time": exit_,
                "has_contract": bool(rng.random() < 0.93 - 0.2 * distress[i]),
            }
        )
    return rows


def _corp_rows(projects: Projects, firms: Firms, i: int, sub: dict, people: list[dict]) -> list[dict]:
    """The four firms on a project: contractor (009, its manager: the roster's first person), supervisor (007, the
    chief supervisor: the second), owner (008) and labour firm (006)."""
    pm, chief = people[0], people[1]
    con, sup, own = int(projects.con_idx[i]), int(projects.sup_idx[i]), int(projects.own_idx[i])

    def row(corp_code: str, corp_type: str, corp_name: str, person: dict | None) -> dict:
        return {
            "project_code": projects.codes[i],
            "corp_code": corp_code,
            "corp_type": corp_type,
            "corp_name": corp_name,
            "entry_time": projects.starts[i],
            "exit_time": None,
            "pm_name": person["worker_name"] if person else None,
            "pm_id_card_type": "01" if person else None,
            "pm_id_card_number": person["id_card_number"] if person else None,
            "pm_phone": person["cell_phone"] if person else None,
        }

    return [
        row(firms.contractors["corp_code"][con], "009", firms.contractors["corp_name"][con], pm),
        row(firms.supervisors["corp_code"][sup], "007", firms.supervisors["corp_name"][sup], chief),
        row(firms.owners["corp_code"][own], "008", firms.owners["corp_name"][own], None),
        row(sub["corp_code"], "006", sub["corp_name"], None),
    ]


def credit_table(rng: np.random.Generator, contractors: pl.DataFrame, world_start: date) -> pl.DataFrame:
    """Contractors' credit records (信用记录): more of them the more distressed the contractor."""
    credit = []
    for j in range(contractors.height):
        for _ in range(int(rng.poisson(2.5 * contractors["distress"][j] ** 2))):
            credit.append(
                {
                    "corp_code": contractors["corp_code"][j],
                    "event_type": str(rng.choice(["01", "02", "06", "07"], p=[0.25, 0.4, 0.2, 0.15])),
                    "event_date": world_start - timedelta(days=int(rng.integers(-300, 600))),
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
                "event_date": world_start - timedelta(days=int(rng.integers(30, 365))),
                "corp_name": contractors["corp_name"][j],
                "points": 2.0,
                "source": "福建省建筑市场监管平台",
            }
        )
    return pl.DataFrame(
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
