{#-
  Category affinity per purchasing customer from purchase order lines up to the as-of date (var
  retain_layers.affinity_days): the top category by line revenue over all time and over the recent
  window (ties: the alphabetically first), the number of distinct categories, and an affinity shift
  when the recent top category differs from the top category before the window (both must exist).
-#}
{%- set affinity_days = retain_layer_number('retain_layers', 'affinity_days') -%}

with

orders as (
    select * from {{ ref('int_orders_netted_to_returns') }}
    where is_purchase
),

lines as (
    select * from {{ ref('stg_retain__order_lines') }}
    where category is not null
),

purchased as (
    select
        orders.customer_id,
        lines.category,
        coalesce(lines.line_revenue_base, 0) as revenue,
        {{ dbt.datediff('orders.order_date', retain_as_of(), 'day') }} < {{ affinity_days }}
            as is_recent
    from orders
    inner join lines
        on orders.order_id = lines.order_id
),

by_category as (
    select
        customer_id,
        category,
        sum(revenue) as revenue_all,
        sum(case when is_recent then revenue end) as revenue_recent,
        sum(case when not is_recent then revenue end) as revenue_before
    from purchased
    group by customer_id, category
),

ranked as (
    select
        customer_id,
        category,
        revenue_recent,
        revenue_before,
        row_number() over (partition by customer_id order by revenue_all desc, category asc)
            as rank_all,
        row_number() over (
            partition by customer_id
            order by
                case when revenue_recent is null then 1 else 0 end,
                revenue_recent desc,
                category asc
        ) as rank_recent,
        row_number() over (
            partition by customer_id
            order by
                case when revenue_before is null then 1 else 0 end,
                revenue_before desc,
                category asc
        ) as rank_before
    from by_category
),

final as (
    select
        customer_id,
        max(case when rank_all = 1 then category end) as top_category,
        max(case when rank_recent = 1 and revenue_recent is not null then category end)
            as top_category_recent,
        max(case when rank_before = 1 and revenue_before is not null then category end)
            as top_category_before,
        count(*) as category_breadth
    from ranked
    group by customer_id
)

select
    customer_id,
    top_category,
    top_category_recent,
    top_category_before,
    category_breadth,
    coalesce(top_category_recent != top_category_before, false) as has_affinity_shift
from final
