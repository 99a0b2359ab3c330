-- grain: one row per project code that has punches (up to as_of) but is not in the project registry
select stg_attendance.project_code, count(*) as n_rows
from stg_attendance
left join stg_project on stg_attendance.project_code = stg_project.project_code
where stg_project.project_code is null and stg_attendance.work_date <= getvariable('as_of')
group by stg_attendance.project_code
