-- grain: one row per snapshot date (as_of) the features are computed at
-- The run parameter snapshot_dates: the month ends a training frame stacks, or tonight's as_of alone for scoring
-- (pipelines/features/extract.py). Every fx_* and feat_* model is point in time at each of these dates.
select distinct as_of
from (select unnest(getvariable('snapshot_dates')) as as_of) as dates
