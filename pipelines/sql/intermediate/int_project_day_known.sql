-- grain: one row per project × work_date × known_date with a person-day (int_person_day: ≥ 1 punch)
-- incremental: by_month(work_date)
-- n_persons: the persons with a day on the project that date first known on known_date (int_person_day holds a
-- person once per project and day). The risk features sum the rows known by a snapshot date (fx_project_day):
-- a few million rows instead of the person-days of the year (docs/decisions.md "Score step, second round").
select project_code, work_date, known_date, count(*) as n_persons
from int_person_day
-- the months being built (the whole calendar on a full build): docs/decisions.md "Incremental nights"
where work_date between getvariable('build_from') and getvariable('build_to')
group by project_code, work_date, known_date
