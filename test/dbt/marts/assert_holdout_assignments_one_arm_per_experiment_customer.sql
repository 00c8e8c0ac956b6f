-- An arm is assigned once per experiment (audience + salt) and customer.
with

assignments as (
    select * from {{ ref('holdout_assignments') }}
),

final as (
    select
        audience,
        salt,
        customer_id,
        count(*) as arms
    from assignments
    group by audience, salt, customer_id
    having count(*) > 1
)

select * from final
