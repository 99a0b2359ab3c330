-- grain: one row per as_of × project in the rules' risk scope (is_indicator_scope: the model's population)
-- Reads rule_scope as built at as_of (the nightly's, or rebuilt per snapshot date by pipelines/features/rules_at.py,
-- which appends this model's rows for every date of feat_snapshot).
select distinct getvariable('as_of') as as_of, project_code, is_indicator_scope
from rule_scope
