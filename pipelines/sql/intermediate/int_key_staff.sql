-- grain: one row per project × key-staff role (pm = 009 总承包单位 项目经理, chief_supervisor = 007 监理 总监)
-- Every registered project gets both rows, so a role the registry does not name is explicit (is_set = false).
-- Several 009/007 rows for one project: the one that names a person and has not exited wins, then the latest entry.
with projects as (
    select project_code from stg_project
),

project_corps as (
    select * from stg_project_corp
),

roster as (
    select project_code, id_card_number_hash from stg_project_worker
),

roles as (
    select * from (values ('009', 'pm'), ('007', 'chief_supervisor')) as r (corp_type, staff_role)
),

named as (
    select
        project_corps.project_code,
        roles.staff_role,
        project_corps.corp_type,
        project_corps.corp_code,
        project_corps.pm_id_card_number_hash as staff_id_card_number_hash,
        project_corps.pm_id_card_number_masked as staff_id_card_number_masked
    from project_corps
    inner join roles on project_corps.corp_type = roles.corp_type
    qualify row_number() over (
        partition by project_corps.project_code, roles.staff_role
        order by
            project_corps.pm_id_card_number_hash is null,
            project_corps.exit_time is not null,
            project_corps.entry_time desc nulls last,
            project_corps.corp_code
    ) = 1
),

every_role as (
    select
        projects.project_code,
        roles.staff_role,
        roles.corp_type,
        named.corp_code,
        named.staff_id_card_number_hash,
        named.staff_id_card_number_masked
    from projects
    cross join roles
    left join named
        on projects.project_code = named.project_code and roles.staff_role = named.staff_role
),

final as (
    select
        every_role.*,
        every_role.staff_id_card_number_hash is not null as is_set,
        roster.id_card_number_hash is not null as is_on_roster
    from every_role
    left join roster
        on every_role.project_code = roster.project_code
        and every_role.staff_id_card_number_hash = roster.id_card_number_hash
)

select * from final
