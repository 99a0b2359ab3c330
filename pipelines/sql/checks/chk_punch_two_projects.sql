-- grain: one row per project (registered or not) where people punched on another project within r17_window_minutes
-- The punch pairs R17 reads (int_punch_on_two_projects), over every project rather than the rule's scope.
select project_code, count(distinct id_card_number_hash) as n_rows
from int_punch_on_two_projects
group by project_code
