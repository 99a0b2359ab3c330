-- grain: one row per district (area_code) × month × indicator with a value (null values are not ranked)
-- 临沂-style 通报: rank districts each month on each indicator, direction-aware (lower rate = worse; more open
-- cases / longer days_to_close = worse). The worst ranking_bottom_n (ties share a rank) are flagged, except districts
-- tied with the month's best value (when everyone is equal nobody is worst). Consecutive flagged months give the
-- ladder level 1/2/3 (一次通报、二次约谈、三次问责; letters 提示函 → 督办函 → 问责建议函), capped at the top level.
-- 'ALL' (city) and 'UNKNOWN' rows are not districts and are not ranked.
with areas as (
    select * from indicator_area_month
    where area_code not in ('ALL', 'UNKNOWN')
),

directions as (
    select * from (values
        ('rn_update_rate', true),
        ('avg_attendance', true),
        ('pm_onsite_rate', true),
        ('chief_supervisor_onsite_rate', true),
        ('key_staff_onsite_rate', true),
        ('platform_share', true),
        ('account_open_rate', true),
        ('tripartite_rate', true),
        ('labor_cost_monthly_rate', true),
        ('labor_cost_sufficiency', true),
        ('payroll_on_time_rate', true),
        ('payroll_via_account_rate', true),
        ('paid_vs_attended', true),
        ('guarantee_coverage', true),
        ('deposit_coverage', true),
        ('contract_rate', true),
        ('case_closure_rate', true),
        ('open_cases', false),
        ('open_cases_over_30d', false),
        ('days_to_close', false)
    ) as d (indicator, is_higher_better)
),

ladder as (
    select * from (values
        (1, 'notice', '通报', '提示函'),
        (2, 'interview', '约谈', '督办函'),
        (3, 'accountability', '问责', '问责建议函')
    ) as l (ladder_level, ladder_action, ladder_label_zh, ladder_letter_zh)
),

long as (
    unpivot (
        select
            area_code, "month", month_index,
            rn_update_rate, avg_attendance, pm_onsite_rate, chief_supervisor_onsite_rate, key_staff_onsite_rate,
            platform_share, account_open_rate, tripartite_rate, labor_cost_monthly_rate, labor_cost_sufficiency,
            payroll_on_time_rate, payroll_via_account_rate, paid_vs_attended, guarantee_coverage, deposit_coverage,
            contract_rate, case_closure_rate,
            cast(open_cases as double) as open_cases,
            cast(open_cases_over_30d as double) as open_cases_over_30d,
            days_to_close
        from areas
    )
    on columns(* exclude (area_code, "month", month_index))
    into name indicator value "value"
),

scored as (
    select
        long.*,
        directions.is_higher_better,
        -- "goodness": larger is better whatever the indicator's direction
        case when directions.is_higher_better then long."value" else -long."value" end as goodness
    from long
    inner join directions on long.indicator = directions.indicator
),

ranked as (
    select
        *,
        rank() over (partition by "month", indicator order by goodness desc) as rank_best_first,
        rank() over (partition by "month", indicator order by goodness asc) as rank_worst_first,
        count(*) over (partition by "month", indicator) as n_ranked,
        max(goodness) over (partition by "month", indicator) as best_goodness
    from scored
),

flagged as (
    select
        * exclude (best_goodness),
        rank_worst_first <= getvariable('ranking_bottom_n') and goodness < best_goodness as is_bottom
    from ranked
),

streaks as (
    -- gaps and islands: consecutive flagged months share month_index − row_number
    select
        area_code,
        "month",
        indicator,
        month_index - row_number() over (partition by area_code, indicator order by month_index) as streak_id
    from flagged
    where is_bottom
),

streak_lengths as (
    select
        area_code,
        "month",
        indicator,
        row_number() over (partition by area_code, indicator, streak_id order by "month") as consecutive_bottom_months
    from streaks
),

final as (
    select
        flagged.area_code,
        flagged."month",
        flagged.indicator,
        flagged."value",
        flagged.is_higher_better,
        flagged.rank_best_first,
        flagged.rank_worst_first,
        flagged.n_ranked,
        flagged.is_bottom,
        coalesce(streak_lengths.consecutive_bottom_months, 0) as consecutive_bottom_months,
        ladder.ladder_level,
        ladder.ladder_action,
        ladder.ladder_label_zh,
        ladder.ladder_letter_zh
    from flagged
    left join streak_lengths
        on flagged.area_code = streak_lengths.area_code
        and flagged."month" = streak_lengths."month"
        and flagged.indicator = streak_lengths.indicator
    left join ladder
        -- least() skips nulls in DuckDB, so a month that is not flagged must not reach it
        on streak_lengths.consecutive_bottom_months is not null
        and ladder.ladder_level = least(streak_lengths.consecutive_bottom_months, (select max(ladder_level) from ladder))
)

select * from final
