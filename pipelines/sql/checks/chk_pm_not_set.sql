-- grain: one row per active project where the general contractor's project manager (009) is not named
-- The key-staff facts R09 reads (int_key_staff), as the registry stood at the end of as_of's month.
select project_code, 1 as n_rows
from int_key_staff
where staff_role = 'pm' and not is_set and "month" = strftime(getvariable('as_of'), '%Y-%m')
    and project_code in (select project_code from stg_project where list_contains(getvariable('active_status'), prj_status))
