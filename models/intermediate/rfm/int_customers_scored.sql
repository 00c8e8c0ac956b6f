{#-
  RFM scores 1..retain_rfm.bins per customer (higher is better), their weighted composite and the
  cell label. Frequency is measured by orders or distinct purchase days, monetary by the window's
  total or its average per order, as retain_rfm says. See macros/rfm for the methods.
-#}
{%- set settings = rfm_settings() -%}
{%- set frequency_measure = {
    'orders': 'frequency_orders',
    'purchase_days': 'frequency_days',
}[settings.frequency_measure] -%}
{%- set monetary_measure = {
    'total': 'monetary_total',
    'average': 'monetary_average',
}[settings.monetary_measure] -%}

with

customers as (
    select * from {{ ref('int_orders_aggregated_to_customers') }}
),

scored as (
    select
        customers.*,
        {{ rfm_score('recency', 'recency_days') }} as r_score,
        {{ rfm_score('frequency', frequency_measure) }} as f_score,
        {{ rfm_score('monetary', monetary_measure) }} as m_score
    from customers
),

final as (
    select
        scored.*,
        {{ rfm_composite('r_score', 'f_score', 'm_score') }} as rfm_composite,
        {{ rfm_cell('r_score', 'f_score', 'm_score') }} as rfm_cell
    from scored
)

select * from final
