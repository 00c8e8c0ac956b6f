-- The grain of customer_segments: one row per customer per as-of date.
with

history as (
    select * from {{ ref('customer_segments') }}
),

final as (
    select
        customer_id,
        as_of_date,
        count(*) as rows_for_customer
    from history
    group by customer_id, as_of_date
    having count(*) > 1
)

select * from final
