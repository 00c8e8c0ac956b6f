-- The grain of audience_members: one row per audience per customer; holdouts are never eligible.
with

members as (
    select * from {{ ref('audience_members') }}
),

duplicates as (
    select
        audience,
        customer_id,
        'duplicate' as problem
    from members
    group by audience, customer_id
    having count(*) > 1
),

eligible_holdouts as (
    select
        audience,
        customer_id,
        'eligible holdout' as problem
    from members
    where is_eligible and is_holdout
),

final as (
    select * from duplicates
    union all
    select * from eligible_holdouts
)

select * from final
