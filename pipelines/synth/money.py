"""The money and case tables: progress (项目进度), wage accounts (工资专用账户) and their transactions, payroll (工资
发放), complaints (投诉), the truth's arrears events, payment guarantees (工程款支付担保) and wage deposits (工资保证金).

Progress, accounts, transactions, payroll, complaints and events come from one random stream drawn project by
project and month by month (`draw_ledger`), each row by its table's function, so that a seed gives the same world
whatever table is read; the frames are then made from the ledger, one function per table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np
import polars as pl

from pipelines.synth.mechanism import Mechanism
from pipelines.synth.state import Drivers, Projects, month_end

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
EVENT_SCHEMA = {"project_code": pl.Utf8, "event_date": pl.Date, "kind": pl.Utf8, "pay_month": pl.Utf8}


@dataclass(frozen=True)
class MoneyInputs:
    """What the money tables read: the mechanism, the project registry, the projects' drivers and the world's end."""

    mech: Mechanism
    proj: (
        pl.DataFrame
    )  # the project table (registry values: contractor, owner's name, district, dates, ratio)
    roster: pl.DataFrame  # project_worker
    owners: pl.DataFrame  # Firms.owners (pay_period)
    projects: Projects
    drivers: Drivers
    end: date


@dataclass
class Ledger:
    """Rows of the money and case tables, in the order they are drawn."""

    progress: list[dict] = field(default_factory=list)
    accounts: list[dict] = field(default_factory=list)
    txns: list[dict] = field(default_factory=list)
    payroll: list[dict] = field(default_factory=list)
    complaints: list[dict] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    txn_seq: int = 0

    def add_txn(self, row: dict) -> None:
        self.txn_seq += 1
        self.txns.append({"txn_id": f"T{self.txn_seq:09d}", **row})


@dataclass
class Site:
    """One project's money while its months are drawn: its accounts, its workers, its balance."""

    i: int
    code: str
    contractor: str
    has_account: bool
    account: str
    other_account: str
    ids: list[str]
    cards: list[str]
    roles: list[str]
    entries: list[date | None]
    exits: list[date | None]
    ratio: float
    period: int
    balance: float = 0.0
    paid_ahead: int = 0  # months of labour cost a prepaying owner has already funded

    def crew_in(self, m: date, me: date) -> list[int]:
        """The month's crew: workers, not managers, on the roster during m."""
        return [
            k
            for k in range(len(self.ids))
            if self.roles[k] != "10"
            and _on_or_before(self.entries[k], me)
            and (self.exits[k] is None or _on_or_before(m, self.exits[k]))
        ]


@dataclass(frozen=True)
class Month:
    """One active month of a site: its position in the world's months, its first and last day, its true hazard."""

    site: Site
    t: int
    m: date
    me: date
    h: float


def _on_or_before(a: date | None, b: date | None) -> bool:
    if a is None or b is None:
        raise ValueError("a roster entry without a date")
    return a <= b


def draw_ledger(rng: np.random.Generator, inputs: MoneyInputs) -> Ledger:
    """Progress, wage accounts and flows, payroll, complaints and events, project by project."""
    ledger = Ledger()
    roster = inputs.roster.filter(pl.col("work_role") == "20")
    by_project = roster.partition_by("project_code", as_dict=True)
    for i, code in enumerate(inputs.proj["project_code"].to_list()):
        site = _open_site(rng, inputs, ledger, i, by_project.get((code,)))
        for t, m in enumerate(inputs.drivers.months):
            if inputs.drivers.active[i, t]:
                _month_money(
                    rng, inputs, ledger, Month(site, t, m, month_end(m), inputs.drivers.hazard[i, t])
                )
    if not ledger.complaints:  # a small calm world may draw none; every entity must be delivered
        ledger.complaints.append(_fallback_complaint(rng, inputs))
    return ledger


def _open_site(
    rng: np.random.Generator,
    inputs: MoneyInputs,
    ledger: Ledger,
    i: int,
    workers: pl.DataFrame | None,
) -> Site:
    """A project's wage account (工资专用账户, most have one), the account it pays from otherwise, its workers."""
    proj = inputs.proj
    code = proj["project_code"][i]
    has_account = rng.random() > 0.06 + 0.1 * inputs.projects.distress[i]
    account = f"3505{rng.integers(10**11, 10**12)}"
    other_account = f"3505{rng.integers(10**11, 10**12)}"
    if has_account:
        ledger.accounts.append(_wage_account_row(rng, proj, i, code, account))
    return Site(
        i=i,
        code=code,
        contractor=proj["contractor_corp_code"][i],
        has_account=has_account,
        account=account,
        other_account=other_account,
        ids=workers["id_card_number"].to_list() if workers is not None else [],
        cards=workers["pay_roll_bank_card_number"].to_list() if workers is not None else [],
        roles=workers["work_role"].to_list() if workers is not None else [],
        entries=[_as_date(v) for v in workers["entry_time"].to_list()] if workers is not None else [],
        exits=[_as_date(v) for v in workers["exit_time"].to_list()] if workers is not None else [],
        ratio=proj["labor_cost_ratio"][i] or 0.2,
        period=int(inputs.owners["pay_period"][int(inputs.projects.own_idx[i])]),
    )


def _wage_account_row(rng: np.random.Generator, proj: pl.DataFrame, i: int, code: str, account: str) -> dict:
    return {
        "account_number": account,
        "project_code": code,
        "corp_code": proj["contractor_corp_code"][i],
        "bank_code": "105",
        "bank_name": "中国建设银行",
        "open_date": proj["start_date"][i] - timedelta(days=int(rng.integers(0, 30))),
        "close_date": None,
        "has_tripartite_agreement": bool(rng.random() < 0.85),
    }


def _month_money(rng: np.random.Generator, inputs: MoneyInputs, ledger: Ledger, mo: Month) -> None:
    """One active month of a project: progress, the labour-cost inflow, payroll, perhaps a complaint."""
    certified = _progress_row(rng, inputs, ledger, mo)
    _inflow_txn(rng, inputs, ledger, mo, certified)
    # payroll for pay month m, paid in m+1 (late / short when the project is in trouble)
    crew_m = mo.site.crew_in(mo.m, mo.me)
    if not crew_m:
        return
    _payroll_month(rng, inputs, ledger, mo, crew_m)
    _complaint_row(rng, inputs, ledger, mo)


def _progress_row(rng: np.random.Generator, inputs: MoneyInputs, ledger: Ledger, mo: Month) -> float:
    """The month's progress (completed, certified, paid by the owner); returns the certified value."""
    site, t, m = mo.site, mo.t, mo.m
    mech, i = inputs.mech, site.i
    owner_stress, shock, crisis = inputs.projects.owner_stress, inputs.drivers.shock, inputs.drivers.crisis
    completed = inputs.projects.contract[i] / 24 * rng.uniform(0.7, 1.3) * (0.3 if m.month == 2 else 1.0)
    certified = completed * rng.uniform(0.85, 0.95)
    # the owner's payment for the work (给付率) falls with its stress and with a bad month: the first sign
    shortfall = (
        mech.pay_stress_weight * owner_stress[i] * rng.uniform(0.3, 1.1)
        + mech.pay_shock_weight * shock[i, t]
        + mech.crisis_pay_cut * crisis[i, t]
        + rng.normal(0, 0.05)
    )
    paid_value = certified * float(np.clip(1 - shortfall, 0.05, 1))
    ledger.progress.append(
        {
            "project_code": site.code,
            "month": f"{m:%Y-%m}",
            "completed_value": round(completed, 2),
            "certified_value": round(certified, 2),
            "paid_value": round(paid_value, 2),
        }
    )
    return certified


def _inflow_txn(
    rng: np.random.Generator,
    inputs: MoneyInputs,
    ledger: Ledger,
    mo: Month,
    certified: float,
) -> None:
    """Labour-cost inflow (人工费拨付): a prepaying owner funds `period` months at once; in trouble the inflow is
    missing or short (more so when the owner is stressed)."""
    site, m, h = mo.site, mo.m, mo.h
    owner_stress = inputs.projects.owner_stress[site.i]
    due = site.paid_ahead == 0
    site.paid_ahead = max(0, site.paid_ahead - 1)
    if site.has_account and due and rng.random() > 0.03 + 2.5 * h:
        short_pay = rng.random() < 0.1 * owner_stress + 2.5 * h
        factor = (
            float(np.clip(1 - owner_stress * rng.uniform(0.2, 1.2), 0.1, 0.97))
            if short_pay
            else float(rng.uniform(1.0, 1.12))
        )
        inflow = site.ratio * certified * factor * site.period
        site.paid_ahead = site.period - 1
        site.balance += inflow
        ledger.add_txn(
            {
                "account_number": site.account,
                "txn_time": datetime(m.year, m.month, int(rng.integers(5, 26)), 10, 30),
                "direction": "01",
                "amount": round(inflow, 2),
                "balance": round(site.balance, 2),
                "counterparty_name": inputs.proj["build_corp_name"][site.i],
                "counterparty_account": None,
                "txn_type": "01",
            }
        )


def _payroll_month(
    rng: np.random.Generator,
    inputs: MoneyInputs,
    ledger: Ledger,
    mo: Month,
    crew_m: list[int],
) -> None:
    """The month's pay lines, the wage account's debit when it pays them, and an unpaid shortfall event."""
    site, m, me, h = mo.site, mo.m, mo.me, mo.h
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
    via_other = rng.random() < 0.04 + 0.1 * inputs.projects.distress[site.i]
    lines, month_total = _pay_lines(rng, mo, pay_date, chosen, short)
    # the bank does not let a wage account go negative: without the money there (or without an account)
    # the contractor pays from another account, which R04 sees
    from_account = site.has_account and not via_other and site.balance >= month_total
    if not from_account:
        for line in lines:
            line["pay_bank_card_number"] = site.other_account
    ledger.payroll.extend(lines)
    if from_account:
        site.balance -= month_total
        ledger.add_txn(
            {
                "account_number": site.account,
                "txn_time": datetime(pay_date.year, pay_date.month, pay_date.day, 15, 0),
                "direction": "02",
                "amount": round(month_total, 2),
                "balance": round(site.balance, 2),
                "counterparty_name": None,
                "counterparty_account": None,
                "txn_type": "02",
            }
        )
    due_total = sum(line["total_pay_amount"] for line in lines)
    if sum(line["actual_amount"] for line in lines) < due_total - 1:
        ledger.events.append(
            {
                "project_code": site.code,
                "event_date": pay_date,
                "kind": "unpaid_shortfall",
                "pay_month": f"{m:%Y-%m}",
            }
        )


def _pay_lines(
    rng: np.random.Generator, mo: Month, pay_date: date, chosen: np.ndarray, short: bool
) -> tuple[list[dict], float]:
    """One pay line per paid worker (short when the month is), a back-pay line for some of the short ones; and the
    month's total actually paid on the pay date."""
    site, m = mo.site, mo.m
    month_total = 0.0
    lines: list[dict] = []
    for k in chosen:
        days = int(rng.integers(8, 27))
        total = round(days * float(rng.uniform(260, 420)), 2)
        actual = round(total * float(rng.uniform(0.4, 0.85)), 2) if short and rng.random() < 0.6 else total
        month_total += actual
        line = {
            "project_code": site.code,
            "corp_code": site.contractor,
            "team_sys_no": None,
            "pay_month": f"{m:%Y-%m}",
            "id_card_number": site.ids[k],
            "days": days,
            "work_hours": days * 8.0,
            "total_pay_amount": total,
            "actual_amount": actual,
            "is_back_pay": False,
            "balance_date": pay_date,
            "pay_bank_card_number": site.account,
            "pay_roll_bank_card_number": site.cards[k],
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
    return lines, month_total


def _complaint_row(rng: np.random.Generator, inputs: MoneyInputs, ledger: Ledger, mo: Month) -> None:
    """Complaints follow trouble with a lag of one to two months; a few come from anywhere (a dispute over a day
    rate, a worker who left) and are rarely upheld. A verified one is an arrears event."""
    site, me, h = mo.site, mo.me, mo.h
    in_trouble = rng.random() < 0.5 * h
    if not (in_trouble or rng.random() < 0.012):
        return
    received = me + timedelta(days=int(rng.integers(10, 60)))
    if received > inputs.end:
        return
    verified = rng.random() < (0.7 if in_trouble else 0.15)
    closed = received + timedelta(days=int(rng.integers(3, 45)))
    is_closed = closed <= inputs.end
    ledger.complaints.append(
        {
            "case_id": f"TS{received:%Y%m%d}{len(ledger.complaints) + 1:05d}",
            "project_code": site.code,
            "corp_code": inputs.proj["contractor_corp_code"][site.i],
            "area_code": inputs.proj["area_code"][site.i],
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
        ledger.events.append(
            {
                "project_code": site.code,
                "event_date": received,
                "kind": "verified_complaint",
                "pay_month": None,
            }
        )


def _fallback_complaint(rng: np.random.Generator, inputs: MoneyInputs) -> dict:
    """An open, unverified complaint on the most dangerous project, for a world that drew none."""
    proj = inputs.proj
    i = int(np.argmax(inputs.drivers.hazard.max(axis=1)))
    received = inputs.end - timedelta(days=int(rng.integers(20, 60)))
    return {
        "case_id": f"TS{received:%Y%m%d}00001",
        "project_code": proj["project_code"][i],
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


def progress_table(ledger: Ledger) -> pl.DataFrame:
    return pl.DataFrame(ledger.progress)


def wage_account_table(ledger: Ledger) -> pl.DataFrame:
    return pl.DataFrame(ledger.accounts, infer_schema_length=None).with_columns(
        pl.col("close_date").cast(pl.Date)
    )


def account_txn_table(ledger: Ledger) -> pl.DataFrame:
    return pl.DataFrame(ledger.txns, infer_schema_length=None).with_columns(
        pl.col("counterparty_name").cast(pl.Utf8), pl.col("counterparty_account").cast(pl.Utf8)
    )


def payroll_table(ledger: Ledger) -> pl.DataFrame:
    return pl.DataFrame(ledger.payroll, infer_schema_length=None).with_columns(
        pl.col("team_sys_no").cast(pl.Utf8)
    )


def complaint_table(ledger: Ledger) -> pl.DataFrame:
    return pl.DataFrame(ledger.complaints, schema=COMPLAINT_SCHEMA)


def events_table(ledger: Ledger) -> pl.DataFrame:
    """Truth: the arrears events (unpaid shortfalls, verified complaints)."""
    return pl.DataFrame(ledger.events, schema=EVENT_SCHEMA)


def guarantee_table(rng: np.random.Generator, proj: pl.DataFrame, projects: Projects) -> pl.DataFrame:
    """Payment guarantees (工程款支付担保): fewer with a stressed owner or a careless contractor."""
    n, codes = projects.n, projects.codes
    owner_stress, contract = projects.owner_stress, projects.contract
    has_g = rng.random(n) < 0.75 - 0.2 * owner_stress - 0.4 * projects.sloppy
    g_start = proj["start_date"].to_list()
    return pl.DataFrame(
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


def deposit_table(
    rng: np.random.Generator, contractors: pl.DataFrame, start: date, end: date
) -> pl.DataFrame:
    """Wage deposits (工资保证金), one per contractor that holds one: fewer with distress or careless paperwork."""
    n_con = contractors.height
    has_d = (
        rng.random(n_con)
        < 0.85 - 0.3 * contractors["distress"].to_numpy() - 0.5 * contractors["sloppy"].to_numpy()
    )
    return pl.DataFrame(
        [
            {
                "deposit_no": f"D{j + 1:06d}",
                "corp_code": contractors["corp_code"][j],
                "project_code": None,
                "amount": round(float(rng.uniform(3e5, 2e6)), 2),
                "form": str(rng.choice(["01", "02", "03"])),
                "deposit_date": start - timedelta(days=int(rng.integers(30, 400))),
                "expire_date": end + timedelta(days=int(rng.integers(-120, 500))),
                "status": "01",
            }
            for j in range(n_con)
            if has_d[j]
        ],
        infer_schema_length=None,
    ).with_columns(pl.col("project_code").cast(pl.Utf8))


def _as_date(value: date | datetime | None) -> date | None:
    """Roster times as dates (entry/exit are datetimes in the platform's schema)."""
    if value is None:
        return None
    return value.date() if isinstance(value, datetime) else value
