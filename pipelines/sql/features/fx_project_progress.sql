-- grain: one row per feat_snapshot.as_of × project_progress (project_code, month), as known at as_of
-- Point in time (as stg_project_progress, over many snapshot dates): the latest delivery with _extract_date ≤ as_of wins.
select feat_snapshot.as_of, raw.* exclude (_extra, _row_hash)
from feat_snapshot
inner join raw_project_progress as raw on raw._extract_date <= feat_snapshot.as_of
qualify row_number() over (
    partition by feat_snapshot.as_of, raw.project_code, raw."month"
    order by raw._extract_date desc, raw._file_id desc, raw._line desc
) = 1
