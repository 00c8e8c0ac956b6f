-- The grain of segment_transitions: at most one move per customer per run.
with

transitions as (
    select * from {{ ref('segment_transitions') }}
),

final as (
    select
        customer_id,
        to_as_of_date,
        count(*) as moves
    from transitions
    group by customer_id, to_as_of_date
    having count(*) > 1
)

select * from final
