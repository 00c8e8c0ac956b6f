-- The benchmark floor: the fastest single hand-written DuckDB query we know that computes the same
-- RFM scores and default segments as `retain run` (models/intermediate/rfm, models/marts), straight
-- from the raw files. bench/run.mjs times it beside `retain run` and compares segment counts.
--
-- Placeholders (plain text substitution before running):
--   {{orders_path}}   path of the orders file (.parquet or .csv; DuckDB picks the reader by extension)
--   {{returns_path}}  path of the returns file (same)
--   {{as_of}}         the as-of date, YYYY-MM-DD
--   {{window_days}}   retain_rfm.frequency_window_days (the default is 1095)
-- Result: one row per customer with a purchase on or before the as-of date (customer_id, the
-- RFM values and scores, rfm_composite, segment).
--
-- It hard-codes what the dbt project reads from vars, at their dbt_project.yml defaults: currency
-- rates (USD base, EUR 1.08, GBP 1.27, CAD 0.73, AUD 0.66), purchase statuses (completed, shipped,
-- delivered, paid), refund statuses (refund, refunded), retain_rfm (5 quantile bins, the window
-- from the placeholder, frequency by orders, monetary by total, weights 1/1/1) and the default segment rules.
-- It assumes clean input (the benchmark generator's): no duplicate order ids and no malformed
-- values, which staging would reject; rows dated after the as-of date, unknown currencies,
-- negative non-refund revenue and negative refunds are left out as staging does. Money is
-- decimal(28,6), like staging, so sums and ties are exact and equal to the dbt run's.
with

orders as (
    select
        order_id::varchar as order_id,
        customer_id::varchar as customer_id,
        cast(ordered_at as date) as order_date,
        cast(revenue as decimal(28, 6)) as revenue,
        case upper(coalesce(currency, 'USD'))
            when 'USD' then 1.0 when 'EUR' then 1.08 when 'GBP' then 1.27
            when 'CAD' then 0.73 when 'AUD' then 0.66
        end as currency_rate,
        lower(coalesce(status, 'completed')) as status
    from '{{orders_path}}'
    where cast(ordered_at as date) <= date '{{as_of}}'
),

counted_orders as (
    select
        order_id,
        customer_id,
        order_date,
        cast(revenue * currency_rate as decimal(28, 6)) as revenue_base,
        currency_rate,
        status in ('completed', 'shipped', 'delivered', 'paid') and revenue >= 0 as is_purchase
    from orders
    where
        currency_rate is not null
        and (revenue >= 0 or status in ('refund', 'refunded'))
        and (status in ('completed', 'shipped', 'delivered', 'paid', 'refund', 'refunded'))
),

returns as (
    select
        order_id::varchar as order_id,
        cast(refund_amount as decimal(28, 6)) as refund_amount,
        refund_amount is null as is_full
    from '{{returns_path}}'
    where
        cast(returned_at as date) <= date '{{as_of}}'
        and (refund_amount is null or refund_amount >= 0)
),

returns_by_order as (
    select order_id, sum(refund_amount) as refund_amount, bool_or(is_full) as is_full
    from returns
    group by order_id
),

netted as (
    select
        o.customer_id,
        o.order_date,
        o.is_purchase,
        case
            when not o.is_purchase then -abs(o.revenue_base)
            when r.is_full then 0
            else o.revenue_base - least(
                o.revenue_base,
                greatest(coalesce(cast(r.refund_amount * o.currency_rate as decimal(28, 6)), 0), 0)
            )
        end as net_revenue
    from counted_orders as o
    left join returns_by_order as r on o.order_id = r.order_id
),

customers as (
    select
        customer_id,
        date '{{as_of}}' - max(order_date) filter (where is_purchase) as recency_days,
        count(*) filter (where is_purchase) as lifetime_orders,
        count(*) filter (where is_purchase and order_date > date '{{as_of}}' - {{window_days}})
            as frequency_orders,
        coalesce(sum(net_revenue) filter (where order_date > date '{{as_of}}' - {{window_days}}), 0)
            as monetary_total
    from netted
    group by customer_id
    having count(*) filter (where is_purchase) > 0
),

scored as (
    select
        *,
        cast(floor((rank() over (order by recency_days desc) - 1) * 5 / count(*) over ()) + 1
            as integer) as r_score,
        cast(floor((rank() over (order by frequency_orders) - 1) * 5 / count(*) over ()) + 1
            as integer) as f_score,
        cast(floor((rank() over (order by monetary_total) - 1) * 5 / count(*) over ()) + 1
            as integer) as m_score
    from customers
)

select
    customer_id,
    recency_days,
    lifetime_orders,
    frequency_orders,
    monetary_total,
    r_score,
    f_score,
    m_score,
    round((r_score + f_score + m_score) / 3, 2) as rfm_composite,
    case
        when r_score >= 4 and f_score >= 4 and m_score >= 4 then 'champions'
        when r_score <= 2 and f_score >= 4 and m_score >= 4 then 'cant_lose_them'
        when r_score >= 3 and f_score >= 4 then 'loyal'
        when r_score <= 2 and f_score >= 3 then 'at_risk'
        when r_score >= 4 and lifetime_orders = 1 then 'new'
        when r_score >= 4 and f_score >= 2 then 'potential_loyalists'
        when r_score >= 4 then 'promising'
        when r_score = 3 and f_score >= 2 then 'need_attention'
        when r_score = 3 then 'about_to_sleep'
        when r_score = 2 then 'hibernating'
        else 'lost'
    end as segment
from scored
