-- grain: one row per in-scope project with workers who left owed wages (R16, 离场未结清)
-- gzthsware: exit_time set; what the leaver is owed over all pay months (owed_worker_month: Σ regular pay due −
-- Σ paid, lines paid by as_of) > owed_tolerance_yuan. Where the spec is
-- silent: judged only for exits at least r16_settle_days before as_of, the time a final settlement takes.
-- the sources this rule needs (catalogue.yaml): one never delivered by as_of silences the rule (not "fires everywhere")
with delivered as (
    select * from int_source_delivered
    where has_project_worker and has_payroll
),

scope as (
    select rule_scope.* from rule_scope
    cross join delivered
),

leavers as (
    select project_code, id_card_number_hash
    from stg_project_worker
    where exit_time is not null
        and cast(exit_time as date) <= getvariable('as_of') - to_days(getvariable('r16_settle_days'))
),

balance as (
    -- what each leaver is owed over all pay months (owed_worker_month, pay lines paid by as_of)
    select owed.project_code, owed.id_card_number_hash, sum(owed.owed_yuan) as owed_yuan
    from leavers
    inner join owed_worker_month as owed
        on leavers.project_code = owed.project_code and leavers.id_card_number_hash = owed.id_card_number_hash
    group by owed.project_code, owed.id_card_number_hash
),

per_project as (
    select
        balance.project_code,
        count(*) as n_workers,
        sum(balance.owed_yuan) as owed_yuan
    from balance
    inner join scope on balance.project_code = scope.project_code
    where balance.owed_yuan > getvariable('owed_tolerance_yuan')
    group by balance.project_code
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
