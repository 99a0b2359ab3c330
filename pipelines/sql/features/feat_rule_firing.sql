-- grain: one row per as_of × project × rule firing × level: what the warning list shows at as_of
-- Reads the rule tables as built at as_of (the nightly's, or rebuilt per snapshot date by
-- pipelines/features/rules_at.py, which appends this model's rows for every date of feat_snapshot).
select distinct getvariable('as_of') as as_of, project_code, rule_id, level
from rule_firing
