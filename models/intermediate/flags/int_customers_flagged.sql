{#-
  Behaviour flags per purchasing customer from purchases up to the as-of date (var retain_layers):
  return rate = refunded / gross purchase revenue; single channel = every purchase through one
  channel over at least single_channel_min_orders purchases; discount dependence = at least
  discount_share of at least discount_min_orders purchases carried a discount; one-time buyer = one
  purchase day.
-#}
{%- set high_return_rate = retain_layer_number('retain_layers', 'high_return_rate') -%}
{%- set single_min = retain_layer_number('retain_layers', 'single_channel_min_orders') -%}
{%- set discount_share = retain_layer_number('retain_layers', 'discount_share') -%}
{%- set discount_min = retain_layer_number('retain_layers', 'discount_min_orders') -%}

with

netted as (
    select * from {{ ref('int_orders_netted_to_returns') }}
    where is_purchase
),

orders as (
    select * from {{ ref('int_orders_resolved') }}
),

lifecycle as (
    select * from {{ ref('int_customers_lifecycle') }}
),

purchases as (
    select
        netted.customer_id,
        netted.revenue_base,
        netted.refunded_amount_base,
        orders.channel,
        coalesce(orders.discount_amount_base, 0) > 0 as is_discounted
    from netted
    inner join orders
        on netted.order_id = orders.order_id
),

per_customer as (
    select
        customer_id,
        count(*) as purchases,
        sum(revenue_base) as gross_revenue,
        sum(refunded_amount_base) as refunded_revenue,
        count(distinct channel) as channels,
        max(channel) as any_channel,
        sum(case when is_discounted then 1 else 0 end) as discounted_purchases
    from purchases
    group by customer_id
),

rates as (
    select
        customer_id,
        purchases,
        channels,
        any_channel,
        case
            when gross_revenue > 0
                then cast(refunded_revenue as {{ retain_type_double() }}) / gross_revenue
        end as return_rate,
        cast(discounted_purchases as {{ retain_type_double() }}) / purchases as discounted_share
    from per_customer
),

final as (
    select
        lifecycle.customer_id,
        rates.return_rate,
        rates.discounted_share,
        coalesce(rates.return_rate >= {{ high_return_rate }}, false) as is_high_return_rate,
        coalesce(
            rates.purchases >= {{ single_min }} and rates.channels = 1, false
        ) as is_single_channel,
        case when rates.channels = 1 then rates.any_channel end as only_channel,
        coalesce(
            rates.purchases >= {{ discount_min }}
            and rates.discounted_share >= {{ discount_share }},
            false
        ) as is_discount_dependent,
        lifecycle.purchase_days = 1 as is_one_time_buyer
    from lifecycle
    left join rates
        on lifecycle.customer_id = rates.customer_id
)

select * from final
