-- grain: one row per project with workers who share a phone number with another person (代领 / 挂名 signal)
select project_code, count(distinct id_card_number_hash) as n_rows
from int_worker_contact_shared
where contact_kind = 'phone'
group by project_code
