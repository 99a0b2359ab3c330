-- grain: one row per in-scope project whose attendance went silent or collapsed (R10, stoppage signal)
-- Fuzhou "无考勤更新" (r10_silent_days); Hebei: mean daily headcount of the last r10_recent_days down more than
-- r10_drop_share against the r10_baseline_weeks before them.
-- the sources this rule needs (catalogue.yaml): one never delivered by as_of silences the rule (not "fires everywhere")
with delivered as (
    select * from int_source_delivered
    where has_attendance
),

scope as (
    select rule_scope.* from rule_scope
    cross join delivered
),

days as (
    select * from int_project_day
    where work_date <= getvariable('as_of')
),

recent as (
    select
        project_code,
        max(work_date) as last_work_date,
        avg(case when work_date > getvariable('as_of') - to_days(getvariable('r10_recent_days')) then n_workers end)
            as workers_last_week,
        avg(case when work_date <= getvariable('as_of') - to_days(getvariable('r10_recent_days'))
            and work_date > getvariable('as_of') - to_days(getvariable('r10_recent_days'))
                - to_days(7 * getvariable('r10_baseline_weeks'))
            then n_workers end) as workers_before
    from days
    group by project_code
),

signals as (
    select
        scope.project_code,
        recent.last_work_date,
        date_diff('day', recent.last_work_date, getvariable('as_of')) as silent_days,
        recent.workers_last_week,
        recent.workers_before
    from scope
    left join recent on scope.project_code = recent.project_code
),

final as (
    select
        getvariable('as_of') as as_of,
        project_code,
        'R10' as rule_id,
        'orange' as level,
        case
            when last_work_date is null then '在建项目无任何考勤记录'
            when silent_days >= getvariable('r10_silent_days')
                then '已连续' || silent_days || '天无考勤（最后考勤' || strftime(last_work_date, '%Y-%m-%d') || '）'
            else '近' || getvariable('r10_recent_days') || '天日均在岗' || round(coalesce(workers_last_week, 0)) || '人，较前'
                || getvariable('r10_baseline_weeks') || '周日均'
                || round(workers_before) || '人下降' || round(100 * (1 - coalesce(workers_last_week, 0) / workers_before)) || '%'
        end as reason_zh,
        silent_days as evidence_value  -- null: never punched, no silence to count
    from signals
    where last_work_date is null
        or silent_days >= getvariable('r10_silent_days')
        or coalesce(workers_last_week, 0) < (1 - getvariable('r10_drop_share')) * workers_before
)

select * from final
