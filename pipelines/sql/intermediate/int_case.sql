-- grain: one row per complaint case (case_id), with the area and firm it is counted under
-- Area: the complaint's area_code, else its project's, else 'UNKNOWN' (never dropped; indicators.md).
-- Firm: the complaint's corp_code, else its project's 总承包单位. A case is closed only when status is 03 办结 and
-- closed_date is set; 办结 without closed_date stays open and is flagged (is_closed_without_date).
with complaints as (
    select * from stg_complaint
),

projects as (
    select project_code, area_code, contractor_corp_code from stg_project
),

final as (
    select
        complaints.case_id,
        complaints.project_code,
        coalesce(complaints.area_code, projects.area_code, 'UNKNOWN') as area_code,
        coalesce(complaints.corp_code, projects.contractor_corp_code) as corp_code,
        complaints.received_date,
        complaints.status,
        complaints.channel,
        complaints.workers_involved,
        complaints.amount_claimed as amount_claimed_yuan,
        complaints.is_verified,
        case when complaints.status = '03' then complaints.closed_date end as closed_date,
        complaints.status = '03' and complaints.closed_date is null as is_closed_without_date,
        complaints.area_code is null and projects.area_code is null as is_area_unknown
    from complaints
    left join projects on complaints.project_code = projects.project_code
)

select * from final
