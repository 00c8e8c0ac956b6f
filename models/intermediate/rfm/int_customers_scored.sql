{#-
  RFM scores 1..retain_rfm.bins per customer (higher is better), their weighted composite and the
  cell label. Frequency is measured by orders or distinct purchase days, monetary by the window's
  total or its average per order, as retain_rfm says. See macros/rfm for the methods.
  The scores are computed over the key and the measures only, then joined back: a window sorts
  every column it carries, and the narrow sort is about three times faster.
-#}
{%- set settings = rfm_settings() -%}
{%- set frequency_measure = 'frequency_days'
    if settings.frequency_measure == 'purchase_days' else 'frequency_orders' -%}
{%- set monetary_measure = 'monetary_average'
    if settings.monetary_measure == 'average' else 'monetary_total' -%}

with

customers as (
    select * from {{ ref('int_orders_aggregated_to_customers') }}
),

measures as (
    select
        customer_id,
        recency_days,
        {{ frequency_measure }},
        {{ monetary_measure }}
    from customers
),

scores as (
    select
        customer_id,
        {{ rfm_score('recency', 'recency_days') }} as r_score,
        {{ rfm_score('frequency', frequency_measure) }} as f_score,
        {{ rfm_score('monetary', monetary_measure) }} as m_score
    from measures
),

final as (
    select
        customers.*,
        scores.r_score,
        scores.f_score,
        scores.m_score,
        {{ rfm_composite('scores.r_score', 'scores.f_score', 'scores.m_score') }}
            as rfm_composite,
        {{ rfm_cell('scores.r_score', 'scores.f_score', 'scores.m_score') }} as rfm_cell
    from customers
    inner join scores
        on customers.customer_id = scores.customer_id
)

select * from final
