"""A tiny hand-made warehouse (raw rows with extract dates) for the feature and label tests."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import duckdb

from tests.given import given_warehouse


def _extract(d: date) -> date:
    """Deliveries arrive weekly: the Sunday after the event."""
    return d + timedelta(days=6 - d.weekday())


def tiny_world_rows() -> dict[str, list[dict[str, Any]]]:
    """Two projects of two firms, Jan–Jun 2025. P1 pays well; P2's owner stops paying in April and wages fall short."""
    rows: dict[str, list[dict[str, Any]]] = {
        k: []
        for k in (
            "project",
            "project_corp",
            "attendance",
            "payroll",
            "wage_account",
            "account_txn",
            "project_progress",
            "complaint",
            "credit_event",
            "payment_guarantee",
            "wage_deposit",
        )
    }
    for code, corp, owner in (("P1", "C1", "B1"), ("P2", "C2", "B2")):
        rows["project"].append(
            {
                "project_code": code,
                "area_code": "350503",
                "category": "01",
                "prj_status": "003",
                "invest_type": "03",
                "contract_amount": 10_000_000.0,
                "builder_license_date": date(2024, 11, 1),
                "start_date": date(2024, 12, 1),
                "complete_date": date(2026, 6, 30),
                "contractor_corp_code": corp,
                "build_corp_code": owner,
                "_extract_date": date(2024, 12, 1),
            }
        )
        rows["project_corp"].append(
            {
                "project_code": code,
                "corp_code": corp,
                "corp_type": "009",
                "pm_id_card_number_hash": f"{code}-pm",
                "_extract_date": date(2024, 12, 1),
            }
        )
        rows["wage_account"].append(
            {
                "account_number": f"A{code}",
                "project_code": code,
                "corp_code": corp,
                "open_date": date(2024, 12, 1),
                "_extract_date": date(2024, 12, 1),
            }
        )
        rows["payment_guarantee"].append(
            {
                "guarantee_no": f"G{code}",
                "project_code": code,
                "amount": 1_500_000.0,
                "start_date": date(2024, 12, 1),
                "end_date": date(2026, 12, 31),
                "_extract_date": date(2024, 12, 1),
            }
        )
        d = date(2025, 1, 1)
        while d <= date(2025, 6, 30):
            if d.weekday() < 6:
                n = 10 if not (code == "P2" and d >= date(2025, 5, 1)) else 4
                for w in [*(f"{code}-w{i}" for i in range(n)), f"{code}-pm"]:
                    rows["attendance"].append(
                        {
                            "project_code": code,
                            "id_card_number_hash": w,
                            "date": datetime(d.year, d.month, d.day, 7, 30),
                            "direction": "01",
                            "_extract_date": _extract(d),
                        }
                    )
            d += timedelta(days=1)
        for m in range(1, 7):
            month = f"2025-{m:02d}"
            paid = 1.0 if code == "P1" or m < 4 else 0.3
            rows["project_progress"].append(
                {
                    "project_code": code,
                    "month": month,
                    "completed_value": 500_000.0,
                    "certified_value": 500_000.0,
                    "paid_value": 500_000.0 * paid,
                    "_extract_date": date(2025, m, 28),
                }
            )
            inflow_day = date(2025, m, 10)
            if paid == 1.0:
                rows["account_txn"].append(
                    {
                        "txn_id": f"T{code}{m}",
                        "account_number": f"A{code}",
                        "txn_time": datetime(2025, m, 10, 10),
                        "direction": "01",
                        "amount": 100_000.0,
                        "txn_type": "01",
                        "_extract_date": _extract(inflow_day),
                    }
                )
            if m <= 5:  # pay month m paid on the 15th of m+1
                pay_day = date(2025, m + 1, 15)
                for i in range(10):
                    rows["payroll"].append(
                        {
                            "project_code": code,
                            "id_card_number_hash": f"{code}-w{i}",
                            "pay_month": month,
                            "total_pay_amount": 6000.0,
                            "actual_amount": 6000.0 * (1.0 if paid == 1.0 else 0.5),
                            "is_back_pay": False,
                            "balance_date": pay_day,
                            "_extract_date": _extract(pay_day),
                        }
                    )
    rows["complaint"].append(
        {
            "case_id": "K1",
            "project_code": "P2",
            "corp_code": "C2",
            "received_date": date(2025, 7, 20),
            "status": "02",
            "is_verified": True,
            "_extract_date": date(2025, 7, 27),
        }
    )
    rows["credit_event"].append(
        {
            "corp_code": "C2",
            "event_type": "01",
            "event_date": date(2025, 3, 1),
            "_extract_date": date(2025, 3, 2),
        }
    )
    return rows


def tiny_world(as_of: date = date(2025, 8, 31)) -> duckdb.DuckDBPyConnection:
    """Raw tables only (the features read raw_* with lineage); delivered up to 2025-08-31."""
    return given_warehouse(tiny_world_rows(), as_of=as_of, build=False)
