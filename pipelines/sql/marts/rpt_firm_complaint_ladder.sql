-- grain: one row per firm (corp_code) × month in which the firm is in that month's top-firm_complaint_top_n list
-- Firms ranked by complaints received in the month (complaint corp_code, else the project's 总承包单位; cases with
-- neither cannot be attributed and are left out). Ties share a rank, so the list may run past N. Consecutive months
-- on the list climb the ladder 约谈 → 更换项目经理 → 黑榜 (indicators.md), capped at the top level.
with cases as (
    select * from int_case
    where corp_code is not null
),

months as (
    select * from int_month
),

ladder as (
    select * from (values
        (1, 'interview', '约谈'),
        (2, 'replace_project_manager', '更换项目经理'),
        (3, 'blacklist', '黑榜')
    ) as l (ladder_level, ladder_action, ladder_label_zh)
),

firm_months as (
    select
        cases.corp_code,
        months."month",
        months.month_index,
        count(*) as n_complaints,
        coalesce(sum(cases.workers_involved), 0) as n_workers_involved,
        round(coalesce(sum(cases.amount_claimed_yuan), 0), 2) as amount_claimed_yuan,
        count(distinct cases.project_code) as n_projects,
        list(distinct cases.project_code order by cases.project_code) filter (where cases.project_code is not null)
            as project_codes
    from cases
    inner join months on strftime(cases.received_date, '%Y-%m') = months."month"
    group by all
),

ranked as (
    select
        *,
        rank() over (partition by "month" order by n_complaints desc) as complaint_rank
    from firm_months
    qualify complaint_rank <= getvariable('firm_complaint_top_n')
),

streaks as (
    select
        *,
        month_index - row_number() over (partition by corp_code order by month_index) as streak_id
    from ranked
),

final as (
    select
        streaks.corp_code,
        streaks."month",
        streaks.n_complaints,
        streaks.n_workers_involved,
        streaks.amount_claimed_yuan,
        streaks.n_projects,
        streaks.project_codes,
        streaks.complaint_rank,
        row_number() over (partition by streaks.corp_code, streaks.streak_id order by streaks.month_index)
            as consecutive_months
    from streaks
),

laddered as (
    select
        final.*,
        ladder.ladder_level,
        ladder.ladder_action,
        ladder.ladder_label_zh
    from final
    inner join ladder
        on ladder.ladder_level = least(final.consecutive_months, (select max(ladder_level) from ladder))
)

select * from laddered
