-- grain: one row per in-scope project where people punched on another project within the window (R17)
-- Data integrity (代打卡 / 挂证): consecutive punches of one person on two projects less than r17_window_minutes
-- apart, over the last r17_lookback_days (int_punch_on_two_projects). Each project of the pair is flagged.
-- the sources this rule needs (catalogue.yaml): one never delivered by as_of silences the rule (not "fires everywhere")
with delivered as (
    select * from int_source_delivered
    where has_attendance
),

scope as (
    select rule_scope.* from rule_scope
    cross join delivered
),

flagged as (
    select * from int_punch_on_two_projects
),

per_project as (
    select
        flagged.project_code,
        count(distinct flagged.id_card_number_hash) as n_people
    from flagged
    inner join scope on flagged.project_code = scope.project_code
    group by flagged.project_code
),

final as (
    select
        getvariable('as_of') as as_of,
        project_code,
        'R17' as rule_id,
        'yellow' as level,
        '近' || getvariable('r17_lookback_days') || '天有' || n_people || '人在' || getvariable('r17_window_minutes')
            || '分钟内于本项目和其他项目先后打卡（疑似代打卡或挂证）' as reason_zh,
        cast(n_people as double) as evidence_value
    from per_project
)

select * from final
