{{ config(materialized='table') }}
{#-
  Each buyer's predictions from the fitted BG/NBD and Gamma-Gamma parameters (null when a model was
  not fitted: predictions disabled or degenerate data; the run warns and segments use RFM only):

  - p_alive = 1 / (1 + [x > 0] * a/(b+x-1) * ((alpha+T)/(alpha+t_x))^(r+x))
  - expected_purchases: repeat purchase days expected in the next horizon_days,
    p_alive * E[Y | alive]
  - churn_risk: the probability of no purchase in the next horizon_days,
    1 - p_alive * (1 - ((alpha+T)/(alpha+T+h))^(r+x)) (an alive customer's rate has the
    posterior Gamma(r+x, alpha+T); the chance of no purchase in h is its Laplace transform at h)
  - expected_order_value: Gamma-Gamma E[M | x, m_x] = p(gamma + x m_x)/(p x + q - 1); the
    population mean p gamma/(q-1) for one-time buyers
  - expected_revenue: expected_purchases * expected_order_value
  - predicted_clv: expected_order_value * sum over clv_periods of the period's expected purchases,
    discounted per period (the discounted-cash-flow form of lifetimes' customer_lifetime_value);
    clv_if_retained is the same for a customer known to be alive (predicted_clv / p_alive)
  - expected_days_to_next_purchase: E[1/lambda] = (alpha+T)/(r+x-1) time units for an alive
    customer (null when r+x <= 1, where the mean does not exist)
-#}
{%- set settings = clv_settings() -%}
{%- set bg = clv_fit('bgnbd') -%}
{%- set gg = clv_fit('gamma_gamma') -%}

with

statistics as (
    select * from {{ ref('int_clv_customer_statistics') }}
),

expected as (
    select * from {{ ref('int_clv_expected_repeat') }}
),

{%- if bg is none %}

final as (
    select
        customer_id,
        frequency_x,
        recency_tx,
        age_t,
        monetary_mx,
        cast(null as {{ retain_type_double() }}) as p_alive,
        cast(null as {{ retain_type_double() }}) as expected_purchases,
        cast(null as {{ retain_type_double() }}) as churn_risk,
        cast(null as {{ retain_type_double() }}) as expected_order_value,
        cast(null as {{ retain_type_double() }}) as expected_revenue,
        cast(null as {{ retain_type_double() }}) as predicted_clv,
        cast(null as {{ retain_type_double() }}) as clv_if_retained,
        cast(null as {{ retain_type_double() }}) as retention_upside,
        cast(null as {{ retain_type_double() }}) as expected_days_to_next_purchase,
        cast(null as date) as expected_next_purchase_date,
        cast(null as boolean) as is_prediction_converged
    from statistics
)

{%- else %}
{%- set r = clv_literal(bg.r) -%}
{%- set alpha = clv_literal(bg.alpha) -%}
{%- set horizon = clv_literal(settings.horizon_days / settings.unit_days) %}

by_pair as (
    select
        frequency_x,
        age_t,
        max(case when point_index = 0 then expected_if_alive end) as horizon_if_alive,
        sum(
            case when point_index > 0 then discount_weight * expected_if_alive end
        ) as discounted_if_alive,
        min(case when is_converged then 1 else 0 end) = 1 as is_converged
    from expected
    group by frequency_x, age_t
),

odds as (
    select
        statistics.customer_id,
        statistics.frequency_x,
        statistics.recency_tx,
        statistics.age_t,
        statistics.monetary_mx,
        by_pair.horizon_if_alive,
        by_pair.discounted_if_alive,
        by_pair.is_converged,
        case
            when statistics.frequency_x > 0
                then
                    ln({{ clv_literal(bg.a) }})
                    - ln({{ clv_literal(bg.b) }} + statistics.frequency_x - 1)
                    + ({{ r }} + statistics.frequency_x) * (
                        ln({{ alpha }} + statistics.age_t)
                        - ln({{ alpha }} + statistics.recency_tx)
                    )
        end as ln_death_odds
    from statistics
    left join by_pair
        on
            statistics.frequency_x = by_pair.frequency_x
            and statistics.age_t = by_pair.age_t
),

alive as (
    select
        *,
        case
            when ln_death_odds is null then {{ clv_literal(1) }}
            when ln_death_odds > 0
                then {{ clv_exp('-ln_death_odds') }} / (1 + {{ clv_exp('-ln_death_odds') }})
            else 1 / (1 + {{ clv_exp('ln_death_odds') }})
        end as p_alive,
        {%- if gg is none %}
        cast(null as {{ retain_type_double() }}) as expected_order_value
        {%- else %}
        {%- set p = clv_literal(gg.p) -%}
        {%- set q = clv_literal(gg.q) -%}
        {%- set gamma = clv_literal(gg.gamma) %}
        case
            when frequency_x > 0
                then
                    {{ p }} * ({{ gamma }} + frequency_x * monetary_mx)
                    / ({{ p }} * frequency_x + {{ q }} - 1)
            when {{ q }} > 1
                then {{ p }} * {{ gamma }} / ({{ q }} - 1)
        end as expected_order_value
        {%- endif %}
    from odds
),

scored as (
    select
        customer_id,
        frequency_x,
        recency_tx,
        age_t,
        monetary_mx,
        p_alive,
        p_alive * horizon_if_alive as expected_purchases,
        {%- set quiet_log = '(' ~ r ~ ' + frequency_x) * ln((' ~ alpha ~ ' + age_t) / ('
            ~ alpha ~ ' + age_t + ' ~ horizon ~ '))' %}
        1 - p_alive * (1 - {{ clv_exp(quiet_log) }}) as churn_risk,
        expected_order_value,
        p_alive * horizon_if_alive * expected_order_value as expected_revenue,
        p_alive * discounted_if_alive * expected_order_value as predicted_clv,
        discounted_if_alive * expected_order_value as clv_if_retained,
        case
            when {{ r }} + frequency_x > 1
                then
                    ({{ alpha }} + age_t) / ({{ r }} + frequency_x - 1)
                    * {{ settings.unit_days }}
        end as expected_days_to_next_purchase,
        is_converged as is_prediction_converged
    from alive
),

final as (
    select
        customer_id,
        frequency_x,
        recency_tx,
        age_t,
        monetary_mx,
        p_alive,
        expected_purchases,
        churn_risk,
        expected_order_value,
        expected_revenue,
        predicted_clv,
        clv_if_retained,
        {{ clv_literal(settings.save_rate) }} * churn_risk * clv_if_retained
            as retention_upside,
        expected_days_to_next_purchase,
        case
            when expected_days_to_next_purchase < 36500
                then {{ retain_date_add(
                    'day',
                    'cast(ceiling(expected_days_to_next_purchase) as integer)',
                    retain_as_of()
                ) }}
        end as expected_next_purchase_date,
        is_prediction_converged
    from scored
)

{%- endif %}

select * from final
