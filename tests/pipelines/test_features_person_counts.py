"""The risk features count persons from month and day aggregates (fx_project_day, fx_person_month, and
fx_person_day only for the months read person by person): the same features as counting every person-day.

The reference is the features layer as it was before (docs/decisions.md "Score step, second round"): fx_person_day
with every person-day of the 366-day window, and feat_project counting persons per day and per month from it.
Snapshots at a month end, a month's first day, mid-month, alone and stacked: the window then cuts its first month,
its as_of month, both or neither.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date, timedelta

import pytest

from pipelines.features import extract
from pipelines.features.extract import month_ends, snapshot_features
from pipelines.warehouse import SqlModel, connect, discover_models

EVERY_PERSON_DAY = """
select project_code, person_key, work_date, known_date
from int_person_day
where known_date <= (select max(as_of) from feat_snapshot)
    and work_date <= (select max(as_of) from feat_snapshot)
    and work_date > (select min(as_of) from feat_snapshot) - 366
"""

COUNTED_PER_PERSON_DAY = {
    "project_days": """project_days as (
    select as_of, project_code, work_date, count(*) as n_persons
    from person_days
    group by all
),""",
    "attended_months": """attended_months as (
    select as_of, project_code, strftime(work_month, '%Y-%m') as pay_month, n_attended_workers
    from (
        select as_of, project_code, date_trunc('month', work_date) as work_month,
               count(distinct person_key) as n_attended_workers
        from person_days
        group by all
    ) as by_month
),""",
}


def _per_person_day() -> dict[str, SqlModel]:
    models = discover_models()
    sql = models["feat_project"].sql
    for cte, old in COUNTED_PER_PERSON_DAY.items():
        sql, n = re.subn(rf"^{cte} as \(\n.*?^\),", lambda _, old=old: old, sql, count=1, flags=re.S | re.M)
        assert n == 1, cte
    models["feat_project"] = dataclasses.replace(models["feat_project"], sql=sql)
    assert not {"fx_project_day", "fx_person_month"} & models["feat_project"].refs
    models["fx_person_day"] = dataclasses.replace(models["fx_person_day"], sql=EVERY_PERSON_DAY)
    return models


@pytest.fixture(scope="module")
def night(tiny_warehouse):
    con = connect(tiny_warehouse.path, read_only=True)
    yield con, tiny_warehouse
    con.close()


def _snapshot_sets(as_of: date, first: date) -> list[list[date]]:
    ends = month_ends(first, as_of)
    mid = ends[-2] - timedelta(days=12)
    first_day = ends[-3] + timedelta(days=1)
    return [[as_of], [ends[-2]], [mid], [first_day], [first_day, mid, ends[-2], as_of], ends]


def test_counts_from_month_and_day_aggregates_equal_counting_every_person_day(night, monkeypatch):
    con, wh = night
    first = con.execute("select min(_extract_date) from raw_project").fetchone()[0]  # type: ignore[index]
    sets = _snapshot_sets(wh.as_of, first)
    now = [snapshot_features(con, dates, wh.settings) for dates in sets]
    monkeypatch.setattr(extract, "discover_models", _per_person_day)
    before = [snapshot_features(con, dates, wh.settings) for dates in sets]
    for dates, a, b in zip(sets, now, before, strict=True):
        assert a.height > 0
        assert a.equals(b), dates
    # the reference did read every person-day, the aggregates far fewer rows
    assert con.execute("select count(*) from fx_person_day").fetchone()[0] > 0  # type: ignore[index]
