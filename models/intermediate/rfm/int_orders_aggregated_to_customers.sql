{#-
  The RFM base: one row per customer with at least one purchase up to the as-of date.
  Windows end on the as-of date (day 0):
    - frequency/monetary window: orders placed fewer than retain_rfm.frequency_window_days days
      before the as-of date (365 -> the as-of date and the 364 days before it);
    - trailing 12 months: orders placed after the same calendar date 12 months earlier.
  Refund rows lower revenue on their own date but are not purchases.
  Orders are summed per customer and day first: distinct purchase days then need no
  count(distinct), which costs about twice as much on millions of orders.
-#}
{%- set settings = rfm_settings() -%}
{%- set as_of = retain_as_of() -%}

with

orders as (
    select * from {{ ref('int_orders_netted_to_returns') }}
),

bounds as (
    select
        {{ as_of }} as as_of_date,
        {{ retain_date_add('day', 1 - settings.frequency_window_days, as_of) }}
            as frequency_window_start_date,
        {{ retain_date_add('month', -12, as_of) }} as trailing_12m_after_date
),

orders_by_day as (
    select
        customer_id,
        order_date,
        count(case when is_purchase then 1 end) as purchases,
        sum(net_revenue_base) as net_revenue_base
    from orders
    group by customer_id, order_date
),

flagged_days as (
    select
        orders_by_day.*,
        orders_by_day.order_date >= bounds.frequency_window_start_date as is_in_window,
        orders_by_day.order_date > bounds.trailing_12m_after_date as is_in_trailing_12m
    from orders_by_day
    cross join bounds
),

aggregated as (
    select
        customer_id,
        min(case when purchases > 0 then order_date end) as first_order_date,
        max(case when purchases > 0 then order_date end) as last_order_date,
        sum(purchases) as lifetime_orders,
        sum(net_revenue_base) as lifetime_revenue,
        sum(case when is_in_window then purchases else 0 end) as frequency_orders,
        count(case when is_in_window and purchases > 0 then 1 end) as frequency_days,
        sum(case when is_in_window then net_revenue_base else 0 end) as monetary_total,
        sum(
            case when is_in_trailing_12m then net_revenue_base else 0 end
        ) as trailing_12m_revenue,
        sum(case when is_in_trailing_12m then purchases else 0 end) as trailing_12m_orders
    from flagged_days
    group by customer_id
    having sum(purchases) > 0
),

final as (
    select
        aggregated.customer_id,
        bounds.as_of_date,
        aggregated.first_order_date,
        aggregated.last_order_date,
        {{ dbt.datediff('aggregated.last_order_date', 'bounds.as_of_date', 'day') }}
            as recency_days,
        {{ dbt.datediff('aggregated.first_order_date', 'bounds.as_of_date', 'day') }}
            as days_since_first_order,
        cast(aggregated.lifetime_orders as {{ dbt.type_bigint() }}) as lifetime_orders,
        aggregated.lifetime_orders = 1 as is_one_time_buyer,
        aggregated.lifetime_revenue,
        cast(aggregated.frequency_orders as {{ dbt.type_bigint() }}) as frequency_orders,
        aggregated.frequency_days,
        aggregated.monetary_total,
        case
            when aggregated.frequency_orders > 0
                then aggregated.monetary_total / aggregated.frequency_orders
            else 0
        end as monetary_average,
        aggregated.trailing_12m_revenue,
        cast(aggregated.trailing_12m_orders as {{ dbt.type_bigint() }}) as trailing_12m_orders
    from aggregated
    cross join bounds
)

select * from final
