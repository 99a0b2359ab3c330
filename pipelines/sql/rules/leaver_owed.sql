-- grain: one row per project × leaver (id_card_number_hash) judged for R16, with what the leaver is owed
-- A leaver: exit_time set at least r16_settle_days before as_of (the time a final settlement takes; where
-- gzthsware is silent). owed_yuan: the balance over all the leaver's pay months on the project (owed_worker_month:
-- Σ regular pay due − Σ paid, lines paid by as_of), so a month overpaid offsets a month short — R16 asks whether the
-- leaver was settled, not month by month. is_owed: more than owed_tolerance_yuan. The one definition R16 (its count
-- and amount) and rule_worker (the leavers it lists for R16) read, so the sheet names R16's workers.
with leavers as (
    select project_code, id_card_number_hash
    from stg_project_worker
    where exit_time is not null
        and cast(exit_time as date) <= getvariable('as_of') - to_days(getvariable('r16_settle_days'))
),

balance as (
    select owed.project_code, owed.id_card_number_hash, round(sum(owed.owed_yuan), 2) as owed_yuan
    from leavers
    inner join owed_worker_month as owed
        on leavers.project_code = owed.project_code and leavers.id_card_number_hash = owed.id_card_number_hash
    group by owed.project_code, owed.id_card_number_hash
)

select project_code, id_card_number_hash, owed_yuan, owed_yuan > getvariable('owed_tolerance_yuan') as is_owed
from balance
