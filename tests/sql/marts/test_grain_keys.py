"""Every indicator model's grain key is unique and not null, on a world that mixes all the fixtures."""

from datetime import date

import pytest

from tests.given import rows_of
from tests.sql.intermediate.given_indicators import (
    indicator_models,
    indicator_warehouse,
    key_staff,
    punch,
    worker,
)
from tests.sql.marts import test_case_indicators, test_compliance_indicators, test_real_name_indicators

KEYS = {
    "int_month": ["month"],
    "int_key_staff": ["project_code", "month", "staff_role"],
    "int_person_day": ["project_code", "person_key", "work_date"],
    "int_project_day": ["project_code", "work_date"],
    "int_project_day_known": ["project_code", "work_date", "known_date"],
    "int_person_month": ["project_code", "person_key", "month"],
    "int_project_month": ["project_code", "month"],
    "int_account_project_month": ["project_code", "month"],
    "int_payroll_project_month": ["project_code", "month"],
    "int_attended_project_month": ["project_code", "month"],
    "int_off_roster_punch_month": ["project_code", "person_key", "month"],
    "int_unknown_project_punch_month": ["project_code", "month"],
    "int_pay_month_due": ["pay_month"],
    "int_punch_on_two_projects": ["id_card_number_hash", "project_code"],
    "int_worker_contact_shared": ["project_code", "id_card_number_hash", "contact_kind"],
    "int_security_project_month": ["project_code", "month"],
    "int_case": ["case_id"],
    "int_case_area_month": ["area_code", "month"],
    "int_source_delivered": ["as_of"],
    "int_source_delivered_month": ["delivered_month"],
    "indicator_project_month": ["project_code", "month"],
    "indicator_area_month": ["area_code", "month"],
    "rpt_area_ranking": ["area_code", "month", "indicator"],
    "rpt_firm_complaint_ladder": ["corp_code", "month"],
}


@pytest.fixture(scope="module")
def world():
    rows: dict[str, list] = {}
    for module in (test_real_name_indicators, test_compliance_indicators, test_case_indicators):
        for entity, entity_rows in module.ROWS.items():
            rows.setdefault(entity, []).extend(entity_rows)
    # two 总承包单位 rows naming different PMs for one project; complaints naming firms
    rows["project_corp"] += [key_staff("P1", "pm9", corp="C9")]
    # one person punching on two projects ten minutes apart, twice (int_punch_on_two_projects)
    rows["attendance"] += [
        punch(p, "twin", at)
        for p, at in (
            ("P1", "2025-07-20 08:00:00"),
            ("P2", "2025-07-20 08:10:00"),
            ("P1", "2025-07-20 08:20:00"),
        )
    ]
    # a punch at a project code the registry does not have (int_unknown_project_punch_month)
    rows["attendance"] += [punch("PX", "stray", "2025-07-21 08:00:00")]
    # two people on one phone (int_worker_contact_shared)
    rows["project_worker"] += [
        worker("P1", "s1", cell_phone_hash="ph"),
        worker("P2", "s2", cell_phone_hash="ph"),
    ]
    rows["complaint"] += [
        {"case_id": "K9", "corp_code": "F1", "received_date": date(2025, 6, 3), "status": "01"}
    ]
    return indicator_warehouse(rows, as_of=date(2025, 7, 31))


def test_every_indicator_model_has_a_key_test():
    assert sorted(n for n in indicator_models() if not n.startswith("stg_")) == sorted(KEYS)


@pytest.mark.parametrize("table", sorted(KEYS))
def test_grain_key_unique_and_not_null(world, table):
    key = KEYS[table]
    cols = ", ".join(f'"{c}"' for c in key)
    nulls = " or ".join(f'"{c}" is null' for c in key)
    got = rows_of(
        world,
        f"""select count(*) as n_rows, count(distinct ({cols})) as n_keys,
                                    count(*) filter (where {nulls}) as n_null_keys
                             from {table}""",
    )[0]
    assert got["n_rows"] > 0
    assert got["n_keys"] == got["n_rows"]
    assert got["n_null_keys"] == 0
