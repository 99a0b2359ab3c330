"""The data-quality check catalogue: stable ids, Chinese titles, and the cross-source checks as DuckDB SQL.

Every cross-source query returns one row per project (or firm) with: project_code, area_code, corp_code, n_rows,
detail_zh. They read the staged tables only (quality runs before the indicator and rule layers are built).
"""

from __future__ import annotations

TITLES_ZH: dict[str, str] = {
    "file_unreadable": "文件无法读取（截断、编码错误或格式不符）",
    "file_unreadable_share": "当晚无法读取的文件比例过高",
    "quarantine_share": "数据源隔离记录比例过高",
    "project_key_not_null": "项目编码为空",
    "attendance_key_unique": "考勤记录主键重复",
    "attendance_not_on_roster": "考勤人员不在项目花名册",
    "payroll_without_attendance": "工资发放人员当月无考勤",
    "attendees_without_payroll": "出勤人员无工资发放记录",
    "pm_not_set": "未设置项目经理",
    "pm_not_on_roster": "项目经理不在花名册",
    "chief_supervisor_not_set": "未设置总监理工程师",
    "chief_supervisor_not_on_roster": "总监理工程师不在花名册",
    "shared_wage_card": "多名工人共用同一工资卡",
    "shared_phone": "多名工人共用同一手机号",
    "punch_two_projects": "同一人员60分钟内在两个项目打卡",
    "payroll_not_via_wage_account": "工资代发账户不是项目专用账户",
    "attendance_unknown_project": "考勤项目在项目库中不存在（项目平台信息不匹配）",
}


def title_of(check_id: str) -> str:
    """The Chinese title of a check; quarantine and GX checks are titled where they are made."""
    return TITLES_ZH.get(check_id, check_id)


# The pay month whose deadline is the end of the evaluation month (as in rule_scope / int_payroll_project_month).
_PAY_MONTH = (
    "strftime(cast(date_trunc('month', getvariable('as_of') + interval 1 day) - interval 1 day as date)"
    " - to_months(getvariable('payroll_deadline_months')), '%Y-%m')"
)
_PROJECT = "left join stg_project p on p.project_code = x.project_code"


def key_staff_sql(corp_type: str, problem: str) -> str:
    """PM (009) or chief supervisor (007) not set, or set but not on the project's roster (in-scope projects)."""
    condition = (
        "k.pm_id_card_number_hash is null"
        if problem == "not_set"
        else "k.pm_id_card_number_hash is not null and w.id_card_number_hash is null"
    )
    role = "项目经理" if corp_type == "009" else "总监理工程师"
    text = f"未设置{role}" if problem == "not_set" else f"{role}不在花名册"
    return f"""
        select p.project_code, p.area_code, p.contractor_corp_code as corp_code, 1 as n_rows, '{text}' as detail_zh
        from stg_project p
        left join (
            select project_code, any_value(pm_id_card_number_hash) as pm_id_card_number_hash
            from stg_project_corp where corp_type = '{corp_type}' group by project_code
        ) k on k.project_code = p.project_code
        left join (select distinct project_code, id_card_number_hash from stg_project_worker) w
            on w.project_code = p.project_code and w.id_card_number_hash = k.pm_id_card_number_hash
        where list_contains(getvariable('active_status'), p.prj_status) and {condition}
    """


def shared_sql(column: str, label: str) -> str:
    """One wage card or phone used by several workers (代领 / 挂名 signal), counted per project."""
    return f"""
        with shared as (
            select {column} from stg_project_worker
            where {column} is not null
            group by {column} having count(distinct id_card_number_hash) > 1
        )
        select w.project_code, p.area_code, p.contractor_corp_code as corp_code,
               count(distinct w.id_card_number_hash) as n_rows,
               count(distinct w.id_card_number_hash) || '名工人与他人共用{label}' as detail_zh
        from stg_project_worker w
        join shared using ({column})
        left join stg_project p on p.project_code = w.project_code
        group by all
    """


CROSS_SOURCE: dict[str, tuple[str, str]] = {
    # check_id: (entity the finding is about, SQL)
    "attendance_not_on_roster": (
        "attendance",
        f"""
        select x.project_code, p.area_code, p.contractor_corp_code as corp_code, count(*) as n_rows,
               count(*) || '人有考勤但不在本项目花名册' as detail_zh
        from (
            select distinct a.project_code, a.id_card_number_hash
            from stg_attendance a
            anti join stg_project_worker w
                on w.project_code = a.project_code and w.id_card_number_hash = a.id_card_number_hash
            where cast(a."date" as date) <= getvariable('as_of')
        ) x {_PROJECT}
        group by all
        """,
    ),
    "payroll_without_attendance": (
        "payroll",
        f"""
        select x.project_code, p.area_code, p.contractor_corp_code as corp_code, count(*) as n_rows,
               any_value(x.pay_month) || ' ' || count(*) || '人发放工资但当月无考勤' as detail_zh
        from (
            select distinct y.project_code, y.id_card_number_hash, y.pay_month
            from stg_payroll y
            anti join stg_attendance a
                on a.project_code = y.project_code and a.id_card_number_hash = y.id_card_number_hash
               and strftime(cast(a."date" as date), '%Y-%m') = y.pay_month
            where y.pay_month = {_PAY_MONTH} and not coalesce(y.is_back_pay, false)
        ) x {_PROJECT}
        group by all
        """,
    ),
    "attendees_without_payroll": (
        "payroll",
        f"""
        select x.project_code, p.area_code, p.contractor_corp_code as corp_code, count(*) as n_rows,
               any_value(x.pay_month) || ' ' || count(*) || '名出勤工人无工资发放记录' as detail_zh
        from (
            select distinct a.project_code, a.id_card_number_hash, {_PAY_MONTH} as pay_month
            from stg_attendance a
            join stg_project_worker w
                on w.project_code = a.project_code and w.id_card_number_hash = a.id_card_number_hash
               and coalesce(w.work_role, '20') <> '10'
            anti join stg_payroll y
                on y.project_code = a.project_code and y.id_card_number_hash = a.id_card_number_hash
               and y.pay_month = {_PAY_MONTH}
            where strftime(cast(a."date" as date), '%Y-%m') = {_PAY_MONTH}
        ) x {_PROJECT}
        group by all
        """,
    ),
    "pm_not_set": ("project_corp", key_staff_sql("009", "not_set")),
    "pm_not_on_roster": ("project_corp", key_staff_sql("009", "not_on_roster")),
    "chief_supervisor_not_set": ("project_corp", key_staff_sql("007", "not_set")),
    "chief_supervisor_not_on_roster": ("project_corp", key_staff_sql("007", "not_on_roster")),
    "shared_wage_card": ("project_worker", shared_sql("pay_roll_bank_card_number_hash", "工资卡")),
    "shared_phone": ("project_worker", shared_sql("cell_phone_hash", "手机号")),
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
        pairs as (
            select id_card_number_hash, project_code from seq
            where prev_project <> project_code
              and date_diff('minute', prev_at, punch_at) < getvariable('r17_window_minutes')
            union
            select id_card_number_hash, prev_project from seq
            where prev_project <> project_code
              and date_diff('minute', prev_at, punch_at) < getvariable('r17_window_minutes')
        )
        select x.project_code, p.area_code, p.contractor_corp_code as corp_code,
               count(distinct x.id_card_number_hash) as n_rows,
               count(distinct x.id_card_number_hash) || '人在60分钟内于本项目和其他项目打卡' as detail_zh
        from pairs x {_PROJECT}
        group by all
        """,
    ),
    "payroll_not_via_wage_account": (
        "payroll",
        f"""
        select x.project_code, p.area_code, p.contractor_corp_code as corp_code, count(*) as n_rows,
               count(*) || '条工资记录的代发账户不是本项目专用账户' as detail_zh
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
        select x.project_code, null as area_code, null as corp_code, count(*) as n_rows,
               '项目库中无此项目编码，' || count(*) || '条考勤记录' as detail_zh
        from stg_attendance x
        anti join stg_project p on p.project_code = x.project_code
        group by all
        """,
    ),
}
