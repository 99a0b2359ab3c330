-- grain: one row per project × month of int_month × key-staff role (pm = 009 总承包单位 项目经理, chief_supervisor = 007 监理 总监)
-- incremental: by_month(month)
-- Every registered project gets both rows every month, so a role the registry does not name is explicit (is_set =
-- false). The registry as delivered by the end of the month: the project_corp and roster versions valid on
-- month_end (stg_*_version), so a PM named later does not rewrite a past month. Several 009/007 rows for one
-- project: the one that names a person and has not exited wins, then the latest entry.
with projects as (
    select project_code from stg_project
),

months as (
    select "month", month_end from int_month
    where month_start between getvariable('build_from') and getvariable('build_to')  -- the months being built
),

project_corps as (
    select * from stg_project_corp_version
),

roster as (
    select project_code, id_card_number_hash, valid_from, valid_to from stg_project_worker_version
),

roles as (
    select * from (values ('009', 'pm'), ('007', 'chief_supervisor')) as r (corp_type, staff_role)
),

named as (
    select
        project_corps.project_code,
        months."month",
        months.month_end,
        roles.staff_role,
        project_corps.corp_type,
        project_corps.corp_code,
        project_corps.pm_id_card_number_hash as staff_id_card_number_hash,
        project_corps.pm_id_card_number_masked as staff_id_card_number_masked
    from project_corps
    inner join roles on project_corps.corp_type = roles.corp_type
    inner join months
        on (project_corps.valid_from is null or project_corps.valid_from <= months.month_end)
        and (project_corps.valid_to is null or project_corps.valid_to > months.month_end)
    qualify row_number() over (
        partition by project_corps.project_code, months."month", roles.staff_role
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
        months."month",
        months.month_end,
        roles.staff_role,
        roles.corp_type,
        named.corp_code,
        named.staff_id_card_number_hash,
        named.staff_id_card_number_masked
    from projects
    cross join months
    cross join roles
    left join named
        on projects.project_code = named.project_code
        and months."month" = named."month"
        and roles.staff_role = named.staff_role
),

final as (
    select
        every_role.project_code,
        every_role."month",
        every_role.staff_role,
        every_role.corp_type,
        every_role.corp_code,
        every_role.staff_id_card_number_hash,
        every_role.staff_id_card_number_masked,
        every_role.staff_id_card_number_hash is not null as is_set,
        roster.id_card_number_hash is not null as is_on_roster
    from every_role
    left join roster
        on every_role.project_code = roster.project_code
        and every_role.staff_id_card_number_hash = roster.id_card_number_hash
        and (roster.valid_from is null or roster.valid_from <= every_role.month_end)
        and (roster.valid_to is null or roster.valid_to > every_role.month_end)
)

select * from final
