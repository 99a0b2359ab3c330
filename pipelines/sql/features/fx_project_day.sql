-- grain: one row per project × work date × known date with a person-day dated and delivered by the last
-- feat_snapshot date, within the 366 days before the first (feat_project's longest look-back at person-days)
-- n_persons: the project's persons on site that date first known on known_date (int_project_day_known, kept by
-- month by the nightly's models step). feat_project sums the rows known by each snapshot date: the same count as
-- over the person-days (docs/decisions.md "Score step, second round").
select project_code, work_date, known_date, n_persons
from int_project_day_known
where known_date <= (select max(as_of) from feat_snapshot)
    and work_date <= (select max(as_of) from feat_snapshot)
    and work_date > (select min(as_of) from feat_snapshot) - 366
