"""Cross-source checks: what one table cannot show, found by joining the staged tables in DuckDB.

Every query returns one row per project (or firm) with project_code, area_code, corp_code (the project's 总承包单位),
n_rows and, where the detail needs them, n_people and month. They read the staged tables only (quality runs before
the indicator and rule layers are built) and the run's variables (as_of and the thresholds, via getvariable).
"""

from __future__ import annotations

# The pay month whose deadline has passed at as_of (as in int_payroll_project_month): M−1 for the month of as_of.
PAY_MONTH = (
    "strftime(cast(date_trunc('month', getvariable('as_of') + interval 1 day) - interval 1 day as date)"
    " - to_months(getvariable('payroll_deadline_months')), '%Y-%m')"
)
_PROJECT = "left join stg_project p on p.project_code = x.project_code"
_ATTRIBUTED = "x.project_code, p.area_code, p.contractor_corp_code as corp_code"


def key_staff_sql(corp_type: str, problem: str) -> str:
    """PM (009) or chief supervisor (007) of an active project: not set, or set but not on the project's roster."""
    condition = (
        "k.pm_id_card_number_hash is null"
        if problem == "not_set"
        else "k.pm_id_card_number_hash is not null and w.id_card_number_hash is null"
    )
    return f"""
        select x.project_code, x.area_code, x.contractor_corp_code as corp_code, 1 as n_rows
        from stg_project x
        left join (
            select project_code, any_value(pm_id_card_number_hash) as pm_id_card_number_hash
            from stg_project_corp where corp_type = '{corp_type}' group by project_code
        ) k on k.project_code = x.project_code
        left join (select distinct project_code, id_card_number_hash from stg_project_worker) w
            on w.project_code = x.project_code and w.id_card_number_hash = k.pm_id_card_number_hash
        where list_contains(getvariable('active_status'), x.prj_status) and {condition}
    """


def shared_sql(column: str) -> str:
    """Workers who share a wage card or phone with another person (代领 / 挂名 signal), counted per project."""
    return f"""
        with shared as (
            select {column} from stg_project_worker
            where {column} is not null
            group by {column} having count(distinct id_card_number_hash) > 1
        )
        select {_ATTRIBUTED}, count(distinct x.id_card_number_hash) as n_rows
        from stg_project_worker x
        join shared using ({column})
        {_PROJECT}
        group by all
    """


CROSS_SOURCE: dict[str, tuple[str, str]] = {
    # check_id: (entity the finding is about, SQL)
    "attendance_not_on_roster": (
        "attendance",
        f"""
        select {_ATTRIBUTED}, count(*) as n_rows, count(distinct x.id_card_number_hash) as n_people
        from stg_attendance x
        anti join stg_project_worker w
            on w.project_code = x.project_code and w.id_card_number_hash = x.id_card_number_hash
        {_PROJECT}
        where cast(x."date" as date) <= getvariable('as_of')
        group by all
        """,
    ),
    "payroll_without_attendance": (
        "payroll",
        f"""
        select {_ATTRIBUTED}, count(*) as n_rows, any_value(x.pay_month) as month
        from (
            select distinct y.project_code, y.id_card_number_hash, y.pay_month
            from stg_payroll y
            anti join stg_attendance a
                on a.project_code = y.project_code and a.id_card_number_hash = y.id_card_number_hash
               and strftime(cast(a."date" as date), '%Y-%m') = y.pay_month
            where y.pay_month = {PAY_MONTH} and not coalesce(y.is_back_pay, false)
        ) x {_PROJECT}
        group by all
        """,
    ),
    "attendees_without_payroll": (
        "payroll",
        f"""
        select {_ATTRIBUTED}, count(*) as n_rows, any_value(x.pay_month) as month
        from (
            select distinct a.project_code, a.id_card_number_hash, {PAY_MONTH} as pay_month
            from stg_attendance a
            join stg_project_worker w
                on w.project_code = a.project_code and w.id_card_number_hash = a.id_card_number_hash
               and coalesce(w.work_role, '20') <> '10'
            anti join stg_payroll y
                on y.project_code = a.project_code and y.id_card_number_hash = a.id_card_number_hash
               and y.pay_month = {PAY_MONTH}
            where strftime(cast(a."date" as date), '%Y-%m') = {PAY_MONTH}
        ) x {_PROJECT}
        group by all
        """,
    ),
    "pm_not_set": ("project_corp", key_staff_sql("009", "not_set")),
    "pm_not_on_roster": ("project_corp", key_staff_sql("009", "not_on_roster")),
    "chief_supervisor_not_set": ("project_corp", key_staff_sql("007", "not_set")),
    "chief_supervisor_not_on_roster": ("project_corp", key_staff_sql("007", "not_on_roster")),
    "shared_wage_card": ("project_worker", shared_sql("pay_roll_bank_card_number_hash")),
    "shared_phone": ("project_worker", shared_sql("cell_phone_hash")),
    "punch_two_projects": (
        "attendance",
        f"""
        with seq as (
            select id_card_number_hash, project_code, "date" as punch_at,
                   lag(project_code) over w as prev_project, lag("date") over w as prev_at
            from stg_attendance
            where cast("date" as date) <= getvariable('as_of')
              and cast("date" as date) > getvariable('as_of') - to_days(getvariable('r17_lookback_days'))
            window w as (partition by id_card_number_hash order by "date", project_code)
        ),
        close_pairs as (
            select * from seq
            where prev_project <> project_code
              and date_diff('minute', prev_at, punch_at) < getvariable('r17_window_minutes')
        ),
        people as (
            select id_card_number_hash, project_code from close_pairs
            union
            select id_card_number_hash, prev_project from close_pairs
        )
        select {_ATTRIBUTED}, count(distinct x.id_card_number_hash) as n_rows
        from people x {_PROJECT}
        group by all
        """,
    ),
    "payroll_not_via_wage_account": (
        "payroll",
        f"""
        select {_ATTRIBUTED}, count(*) as n_rows
        from stg_payroll x
        {_PROJECT}
        where x.pay_bank_card_number is not null
          and x.pay_bank_card_number not in (
              select account_number from stg_wage_account a where a.project_code = x.project_code)
          and x.balance_date <= getvariable('as_of')
        group by all
        """,
    ),
    "attendance_unknown_project": (
        "attendance",
        """
        select x.project_code, null as area_code, null as corp_code, count(*) as n_rows
        from stg_attendance x
        anti join stg_project p on p.project_code = x.project_code
        where cast(x."date" as date) <= getvariable('as_of')
        group by all
        """,
    ),
}
