-- grain: one row per feat_snapshot.as_of × project_corp (project_code, corp_code, corp_type), as known at as_of
-- Point in time (as stg_project_corp, over many snapshot dates): the latest delivery with _extract_date ≤ as_of wins.
select feat_snapshot.as_of, raw.* exclude (_extra, _row_hash)
from feat_snapshot
inner join raw_project_corp as raw on raw._extract_date <= feat_snapshot.as_of
qualify row_number() over (
    partition by feat_snapshot.as_of, raw.project_code, raw.corp_code, raw.corp_type
    order by raw._extract_date desc, raw._file_id desc, raw._line desc
) = 1
