-- Accepted orders: typed, one row per order_id. Rejected rows are in rejected_rows.
with

validated as (
    select * from {{ ref('base_retain__orders') }}
),

final as (
    select
        order_id,
        customer_id,
        ordered_at,
        order_date,
        currency,
        revenue,
        revenue_base,
        discount_amount_base,
        channel,
        status,
        is_purchase,
        is_refund
    from validated
    where rejection_reason is null
)

select * from final
