-- grain: one row per in-scope project whose 总包 or a 分包 has a wage-arrears or illegal-subcontracting record (R13)
-- 泉州 "近两年内欠薪失信…企业承建项目": event types r13_event_types within r13_lookback_years.
-- the sources this rule needs (catalogue.yaml): one never delivered by as_of silences the rule (not "fires everywhere")
with delivered as (
    select * from int_source_delivered
    where has_project_corp and has_credit_event
),

scope as (
    select rule_scope.* from rule_scope
    cross join delivered
),

corps as (
    select * from stg_project_corp
    where corp_type in ('009', '001', '006')
),

events as (
    select * from stg_credit_event
    where event_date <= getvariable('as_of')
        and event_date > getvariable('as_of') - to_years(getvariable('r13_lookback_years'))
        and list_contains(getvariable('r13_event_types'), event_type)
),

hits as (
    select
        scope.project_code,
        count(*) as n_events,
        -- ordered, so the list reads the same every night and on every engine (Spark golden test)
        string_agg(distinct coalesce(corps.corp_name, corps.corp_code), '、'
            order by coalesce(corps.corp_name, corps.corp_code)) as firms
    from scope
    inner join corps on scope.project_code = corps.project_code
    inner join events on corps.corp_code = events.corp_code
    group by scope.project_code
),

final as (
    select
        getvariable('as_of') as as_of,
        project_code,
        'R13' as rule_id,
        'orange' as level,
        firms || ' 近' || getvariable('r13_lookback_years') || '年有' || n_events || '条欠薪失信或违法分包记录' as reason_zh,
        n_events as evidence_value
    from hits
)

select * from final
