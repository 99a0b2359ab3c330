-- grain: one row per in-scope project with workers who left owed wages (R16, 离场未结清)
-- gzthsware: exit_time set; what the leaver is owed over all pay months > owed_tolerance_yuan (leaver_owed: the
-- one definition of a leaver judged and their balance, which the 涉及工人 sheet's R16 rows read too). Where the spec
-- is silent: judged only for exits at least r16_settle_days before as_of, the time a final settlement takes.
-- the sources this rule needs (catalogue.yaml): one never delivered by as_of silences the rule (not "fires everywhere")
with delivered as (
    select * from int_source_delivered
    where has_project_worker and has_payroll
),

scope as (
    select rule_scope.* from rule_scope
    cross join delivered
),

per_project as (
    select
        leaver_owed.project_code,
        count(*) as n_workers,
        round(sum(leaver_owed.owed_yuan), 2) as owed_yuan
    from leaver_owed
    inner join scope on leaver_owed.project_code = scope.project_code
    where leaver_owed.is_owed
    group by leaver_owed.project_code
),

final as (
    select
        getvariable('as_of') as as_of,
        project_code,
        'R16' as rule_id,
        'red' as level,
        n_workers || '名已离场工人工资未结清，共欠' || cast(round(owed_yuan) as bigint) || '元' as reason_zh,
        owed_yuan as evidence_value
    from per_project
)

select * from final
