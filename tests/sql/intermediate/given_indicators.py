"""Builders for the indicator tests: raw rows in a few words, and a warehouse with only the indicator models built."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

import duckdb

from pipelines.settings import Settings
from pipelines.warehouse import discover_models
from tests.given import given_warehouse

INDICATOR_PREFIXES = ("int_", "indicator_", "rpt_area_", "rpt_firm_")


def indicator_models() -> list[str]:
    """The staging models plus the indicator models (other layers' work in progress is not built)."""
    return [
        name
        for name, m in discover_models().items()
        if m.layer == "staging" or name.startswith(INDICATOR_PREFIXES)
    ]


def indicator_warehouse(
    rows: Mapping[str, Iterable[Mapping[str, Any]]], *, as_of: date, settings: Settings | None = None
) -> duckdb.DuckDBPyConnection:
    return given_warehouse(rows, as_of=as_of, settings=settings, only=indicator_models())


def project(
    code: str,
    *,
    area: str = "350503",
    status: str = "003",
    category: str = "01",
    license_date: date | None = date(2025, 1, 1),
    start: date | None = date(2025, 1, 1),
    **extra: Any,
) -> dict[str, Any]:
    return {
        "project_code": code,
        "area_code": area,
        "prj_status": status,
        "category": category,
        "builder_license_date": license_date,
        "start_date": start,
        **extra,
    }


def worker(project_code: str, person: str, role: str = "20", **extra: Any) -> dict[str, Any]:
    return {"project_code": project_code, "id_card_number_hash": person, "work_role": role, **extra}


def punch(project_code: str, person: str, at: str, direction: str = "01") -> dict[str, Any]:
    return {"project_code": project_code, "id_card_number_hash": person, "date": at, "direction": direction}


def key_staff(project_code: str, person: str, corp_type: str = "009", corp: str = "C1") -> dict[str, Any]:
    return {
        "project_code": project_code,
        "corp_code": corp,
        "corp_type": corp_type,
        "pm_id_card_number_hash": person,
    }
