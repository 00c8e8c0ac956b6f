{#-
  Each buyer's sufficient statistics for BG/NBD and Gamma-Gamma as of the date, with the
  conventions of Fader, Hardie and Lee (2005): purchases on the same day are one transaction; a day
  counts when its net revenue (after returns) is positive; x = repeat purchase days; t_x = time from
  the first to the last purchase; T = time from the first purchase to the as-of date; m_x = mean
  net value of the repeat transactions (the first purchase is left out). Times are in the configured
  unit (days or weeks). Built from int_orders_netted_to_returns, so customers are the resolved ones.
-#}
{%- set settings = clv_settings() -%}

with

orders as (
    select * from {{ ref('int_orders_netted_to_returns') }}
),

purchase_days as (
    select
        customer_id,
        order_date,
        -- money is summed exactly: a float sum depends on the order a warehouse adds in, and
        -- the Gamma-Gamma groups round m_x to cents, where 104.21499.. and 104.21500.. part
        sum(cast(net_revenue_base as {{ dbt.type_numeric() }})) as day_value
    from orders
    where is_purchase
    group by customer_id, order_date
    having sum(cast(net_revenue_base as {{ dbt.type_numeric() }})) > 0
),

numbered as (
    select
        customer_id,
        order_date,
        day_value,
        row_number() over (partition by customer_id order by order_date) as day_number
    from purchase_days
),

per_customer as (
    select
        customer_id,
        count(*) - 1 as frequency_x,
        min(order_date) as first_purchase_date,
        max(order_date) as last_purchase_date,
        -- a cast again: fakesnow (the tests' Snowflake) sums anything but a cast as a float
        sum(cast(case when day_number > 1 then day_value end as {{ dbt.type_numeric() }}))
            as repeat_value
    from numbered
    group by customer_id
),

final as (
    select
        customer_id,
        frequency_x,
        first_purchase_date,
        last_purchase_date,
        cast(
            {{ dbt.datediff('first_purchase_date', 'last_purchase_date', 'day') }}
            as {{ retain_type_double() }}
        ) / {{ settings.unit_days }} as recency_tx,
        cast(
            {{ dbt.datediff('first_purchase_date', retain_as_of(), 'day') }}
            as {{ retain_type_double() }}
        ) / {{ settings.unit_days }} as age_t,
        case
            when frequency_x > 0 then cast(repeat_value as {{ retain_type_double() }}) / frequency_x
        end as monetary_mx
    from per_customer
)

select * from final
