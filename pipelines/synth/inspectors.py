"""The generator plays the inspectors (triage.md, issue 16 item 9): returns for a night's 核查清单 from the world's truth.

For each inspection line awaiting a result on the night `listed_on`, with probability `return_share` a return
comes back `min_days`–`max_days` later (some after the 15-day deadline, so 处置率 is below 100 %); the rest never
come back (超期未核查). The outcome is drawn from the world's truth: 01 属实：存在欠薪 when the world holds an arrears
event for the project from `lookback_days` before the warning up to the 核查 date (amount and workers drawn around the
project's size), else 02 属实：违规但未欠薪 with a rule firing for an administrative violation, 03 不属实 otherwise;
a share `unreachable_share` comes back 04 无法核实. Lines found true get a 销号日期 10–45 days after the 核查.
Only returns dated up to `deliver_on` are written: they are the returns that night's extract can hold.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import polars as pl

from pipelines.reports import labels_zh as zh

# a return names its line as printed, then the list's blank columns the inspector filled
RETURN_COLUMNS = ("warning_id", "project_code", "warning_date", *zh.RETURN_COLUMNS)


def simulate_returns(
    lines: pl.DataFrame,
    events: pl.DataFrame,
    deliver_on: date,
    seed: int = 7,
    return_share: float = 0.8,
    min_days: int = 2,
    max_days: int = 20,
    unreachable_share: float = 0.05,
    lookback_days: int = 90,
) -> pl.DataFrame:
    """Return rows (the disposition contract's columns) for the awaiting inspection lines in `lines`."""
    rng = random.Random(seed)
    awaiting = lines.filter(
        (pl.col("list") == "inspection")
        & (pl.col("status") == "open")
        & (pl.col("stage").fill_null("awaiting") == "awaiting")
    ).sort("warning_id")
    by_project: dict[str, list[date]] = {}
    for code, day in events.select("project_code", "event_date").iter_rows():
        by_project.setdefault(code, []).append(day)
    rows = []
    for line in awaiting.iter_rows(named=True):
        draw = rng.random()
        days = rng.randint(min_days, max_days)
        inspect = max(line["as_of"], line["warning_date"]) + timedelta(days=days)
        if draw >= return_share or inspect > deliver_on:
            continue
        start = line["warning_date"] - timedelta(days=lookback_days)
        arrears = any(start < d <= inspect for d in by_project.get(line["project_code"], []))
        amount = workers = closed = action = None
        if rng.random() < unreachable_share:
            outcome = "04"
        elif arrears:
            outcome, action = "01", "01"
            workers = max(1, int(line.get("workers_owed") or 0) or rng.randint(3, 40))
            amount = round(float(line.get("owed_yuan") or 0) or workers * rng.uniform(3000, 9000), 2)
        elif line["rules"] and rng.random() < 0.4:
            outcome, action = "02", "01"
        else:
            outcome = "03"
        if outcome in ("01", "02"):
            closed = inspect + timedelta(days=rng.randint(10, 45))
            closed = closed if closed <= deliver_on else None
        rows.append(
            {
                "warning_id": line["warning_id"],
                "project_code": line["project_code"],
                "warning_date": line["warning_date"],
                "inspect_date": inspect,
                "outcome": outcome,
                "arrears_amount": amount,
                "workers_owed": workers,
                "action": action,
                "closed_date": closed,
                "inspector_org": "区人社局劳动保障监察大队",
                "note": "演示数据：由生成器按世界真值模拟的核查反馈",
            }
        )
    schema = {
        "warning_id": pl.Utf8,
        "project_code": pl.Utf8,
        "warning_date": pl.Date,
        "inspect_date": pl.Date,
        "outcome": pl.Utf8,
        "arrears_amount": pl.Float64,
        "workers_owed": pl.Int64,
        "action": pl.Utf8,
        "closed_date": pl.Date,
        "inspector_org": pl.Utf8,
        "note": pl.Utf8,
    }
    return pl.DataFrame(rows, schema=schema)


def write_returns(returns: pl.DataFrame, inbox: Path, deliver_on: date) -> Path:
    """`inbox/<deliver_on>/disposition_<MMDD>.csv` (quoted text: codes stay text), the way an office drops it."""
    folder = inbox / deliver_on.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"disposition_{deliver_on:%m%d}.csv"
    returns.select(RETURN_COLUMNS).write_csv(path, quote_style="non_numeric")
    return path
