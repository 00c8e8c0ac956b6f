-- Orders with the resolved customer: the orders of customer ids merged by identity resolution
-- roll up to the survivor (source_customer_id keeps the id the order was placed under).
with

orders as (
    select * from {{ ref('stg_retain__orders') }}
),

identifiers as (
    select * from {{ ref('int_identifiers_resolved') }}
),

final as (
    select
        coalesce(
            resolved_customer_id.resolved_customer_id,
            orders.customer_id
        ) as customer_id,
        orders.customer_id as source_customer_id,
        orders.order_id,
        orders.ordered_at,
        orders.order_date,
        orders.currency,
        orders.revenue,
        orders.revenue_base,
        orders.discount_amount_base,
        orders.channel,
        orders.status,
        orders.is_purchase,
        orders.is_refund
    from orders
    left join identifiers as resolved_customer_id
        on
            resolved_customer_id.identifier_type = 'customer_id'
            and orders.customer_id = resolved_customer_id.identifier_value
)

select * from final
