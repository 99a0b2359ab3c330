"""Builders for the rule truth tables: tiny worlds, only the models a rule needs, and what fired."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

import duckdb

from pipelines.settings import Settings
from pipelines.warehouse import discover_models
from pipelines.warnings.catalogue import catalogue
from tests.given import given_warehouse, rows_of
from tests.sql.intermediate.given_indicators import project, worker

AS_OF = date(2025, 7, 31)  # evaluation month 2025-07; pay month 2025-06 is due by its end


def models_of(model: str) -> set[str]:
    """The model and every model it reads, transitively."""
    models = discover_models()
    seen: set[str] = set()
    todo = [model]
    while todo:
        name = todo.pop()
        if name not in seen and name in models:
            seen.add(name)
            todo.extend(models[name].refs)
    return seen


def rule_warehouse(
    rows: Mapping[str, Iterable[Mapping[str, Any]]],
    rule_id: str,
    *,
    as_of: date = AS_OF,
    settings: Settings | None = None,
) -> duckdb.DuckDBPyConnection:
    """A warehouse of `rows` with only the rule's model and what it reads built."""
    return given_warehouse(rows, as_of=as_of, settings=settings, only=models_of(catalogue()[rule_id].model))


def fired(con: duckdb.DuckDBPyConnection, rule_id: str) -> dict[str, dict[str, Any]]:
    """project_code → the firing row of the rule."""
    model = catalogue()[rule_id].model
    return {r["project_code"]: r for r in rows_of(con, f"select * from {model} order by project_code")}


def levels(con: duckdb.DuckDBPyConnection, rule_id: str) -> dict[str, str]:
    return {p: r["level"] for p, r in fired(con, rule_id).items()}


def projects(*codes: str, **extra: Any) -> list[dict[str, Any]]:
    """In-scope projects (在建, 房屋建筑, licensed long ago)."""
    return [
        project(c, start=date(2024, 1, 1), license_date=date(2024, 1, 1), contract_amount=10_000_000, **extra)
        for c in codes
    ]


def punches(project_code: str, person: str, first: date, n_days: int, hour: int = 8) -> list[dict[str, Any]]:
    """One punch a day on n_days consecutive days from `first`."""
    start = datetime(first.year, first.month, first.day, hour)
    return [
        {"project_code": project_code, "id_card_number_hash": person, "date": start + timedelta(days=d)}
        for d in range(n_days)
    ]


def pay(project_code: str, person: str, amount: float, *, month: str = "2025-06", on: date | None = date(2025, 7, 10),
        total: float | None = None, back: bool = False, card: str | None = None) -> dict[str, Any]:  # fmt: skip
    return {
        "project_code": project_code,
        "id_card_number_hash": person,
        "pay_month": month,
        "total_pay_amount": amount if total is None else total,
        "actual_amount": amount,
        "balance_date": on,
        "is_back_pay": back,
        "pay_bank_card_number": card,
    }


def without(rows: Mapping[str, list], *entities: str) -> dict[str, list]:
    """The world with those sources never delivered."""
    return {e: r for e, r in rows.items() if e not in entities}


__all__ = ["AS_OF", "fired", "levels", "pay", "projects", "punches", "rule_warehouse", "without", "worker"]
