-- grain: one row per project × worker (id_card_number_hash) × pay month with wages owed (lists' 涉及工人 sheet)
-- R05 (pay month short, not made good) and R16 (left with wages owed), and on an in-scope project every other
-- worker-month owed now (deadline come, still inside R05's make-good days: no rule has judged it yet, rule_id null)
-- — so the rows with is_owed_now add up to the line's 当前欠发工资 (risk_wages_owed sums the same worker-months).
-- Masked identity only: the hash stays here. What a worker is owed for a month is owed_worker_month's.
-- A worker-month both rules name (a leaver owed for a month past its deadline on an R05 project) is one row:
-- rule_id is R05 when R05 names it, else R16 when R16 does, else null; also_rule_id is 'R16' when R16 names it too
-- (the sheet shows both rules), else null. is_owed_now: the line's 当前欠发 counts it (a leaver's month before its
-- deadline is on the sheet for R16, settled on leaving, but not yet owed on the line).
with short_projects as (
    select distinct project_code from rule_r05_payroll_short
),

leaver_projects as (
    select distinct project_code from rule_r16_leavers_unpaid
),

scope as (
    select project_code from rule_scope
),

leavers as (
    -- the leavers R16 counts (leaver_owed: balance over their pay months above the tolerance)
    select project_code, id_card_number_hash from leaver_owed
    where is_owed
),

named as (
    select
        owed.*,
        -- R05: the worker-months owed now (deadline passed: risk_wages_owed counts the same ones into 当前欠发工资)
        coalesce(short_projects.project_code is not null and owed.owed_now, false) as by_r05,
        -- R16: a leaver is settled on leaving, whatever the pay months' deadlines
        leaver_projects.project_code is not null and leavers.project_code is not null as by_r16,
        -- owed now on an in-scope project (risk_wages_owed's lines), whether or not a rule has judged it yet
        owed.owed_now and scope.project_code is not null as is_owed_now
    from owed_worker_month as owed
    left join short_projects on owed.project_code = short_projects.project_code
    left join leaver_projects on owed.project_code = leaver_projects.project_code
    left join scope on owed.project_code = scope.project_code
    left join leavers
        on owed.project_code = leavers.project_code and owed.id_card_number_hash = leavers.id_card_number_hash
),

affected as (
    select
        *,
        case when by_r05 then 'R05' when by_r16 then 'R16' end as rule_id,
        case when by_r05 and by_r16 then 'R16' end as also_rule_id
    from named
    where by_r05 or by_r16 or is_owed_now
),

roster as (
    select project_code, id_card_number_hash, worker_name_masked from stg_project_worker
),

final as (
    select
        getvariable('as_of') as as_of,
        affected.project_code,
        affected.rule_id,
        affected.also_rule_id,
        affected.id_card_number_masked,
        roster.worker_name_masked,
        affected.pay_month,
        round(affected.owed_yuan, 2) as amount_owed_yuan,
        affected.is_owed_now
    from affected
    left join roster
        on affected.project_code = roster.project_code and affected.id_card_number_hash = roster.id_card_number_hash
    where affected.owed_yuan > getvariable('owed_tolerance_yuan')
)

select * from final
