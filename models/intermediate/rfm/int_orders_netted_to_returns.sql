{#-
  One row per purchase or refund order up to the as-of date, with its revenue net of returns made
  up to the as-of date. A view: it is read once, by int_orders_aggregated_to_customers, so writing
  millions of order rows to a table would only cost time.
-#}
with

orders as (
    select * from {{ ref('int_orders_resolved') }}
),

returns as (
    select * from {{ ref('stg_retain__returns') }}
),

counted_orders as (
    -- cancelled and other statuses are neither purchases nor refunds: they never count
    select
        order_id,
        customer_id,
        order_date,
        revenue_base,
        is_purchase
    from orders
    where
        (is_purchase or is_refund)
        and order_date <= {{ retain_as_of() }}
),

returns_by_order as (
    -- a null refund amount means the whole order was refunded
    select
        order_id,
        sum(refund_amount_base) as refund_amount_base,
        max(case when refund_amount_base is null then 1 else 0 end) = 1 as is_fully_returned
    from returns
    where return_date <= {{ retain_as_of() }}
    group by order_id
),

netted as (
    select
        counted_orders.order_id,
        counted_orders.customer_id,
        counted_orders.order_date,
        counted_orders.is_purchase,
        counted_orders.revenue_base,
        case
            -- returns apply to purchases only; a refund row is itself the refund
            when not counted_orders.is_purchase then 0
            when returns_by_order.is_fully_returned then counted_orders.revenue_base
            -- refunds are capped at the order's revenue
            else least(
                counted_orders.revenue_base,
                greatest(coalesce(returns_by_order.refund_amount_base, 0), 0)
            )
        end as refunded_amount_base
    from counted_orders
    left join returns_by_order
        on counted_orders.order_id = returns_by_order.order_id
),

final as (
    select
        order_id,
        customer_id,
        order_date,
        is_purchase,
        revenue_base,
        refunded_amount_base,
        case
            when is_purchase then revenue_base - refunded_amount_base
            -- refund rows reduce revenue whatever the sign they were recorded with
            -- (0 - x, not -x: the BigQuery emulator of the tests has no unary minus on columns)
            else 0 - abs(revenue_base)
        end as net_revenue_base
    from netted
)

select * from final
