-- grain: one row per project × person × contact kind ('wage_card' | 'phone') that the person shares with another person
-- A wage card or phone on the roster of two or more people (代领 / 挂名 signal), whatever the project; each project
-- where one of those people is on the roster gets the person.
with roster as (
    select project_code, id_card_number_hash, pay_roll_bank_card_number_hash, cell_phone_hash
    from stg_project_worker
),

contacts as (
    select project_code, id_card_number_hash, 'wage_card' as contact_kind, pay_roll_bank_card_number_hash as contact_hash
    from roster
    union all
    select project_code, id_card_number_hash, 'phone' as contact_kind, cell_phone_hash as contact_hash
    from roster
),

shared as (
    select contact_kind, contact_hash
    from contacts
    where contact_hash is not null
    group by contact_kind, contact_hash
    having count(distinct id_card_number_hash) > 1
),

final as (
    select distinct contacts.project_code, contacts.id_card_number_hash, contacts.contact_kind
    from contacts
    inner join shared
        on contacts.contact_kind = shared.contact_kind
        and contacts.contact_hash = shared.contact_hash
)

select * from final
