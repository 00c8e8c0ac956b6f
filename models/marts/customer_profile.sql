{#-
  The segment-of-one profile: one row per customer with a purchase up to the as-of date, with the
  customer's attributes from the customers source (null when the customer is not there).
-#}
with

customers as (
    select * from {{ ref('int_customers_segmented') }}
),

segments as (
    select * from {{ ref('int_segments_configured') }}
),

attributes as (
    select * from {{ ref('stg_retain__customers') }}
),

predictions as (
    select * from {{ ref('int_customers_predicted') }}
),

final as (
    select
        customers.customer_id,
        customers.as_of_date,
        attributes.email,
        attributes.phone,
        attributes.country,
        attributes.postal_code,
        attributes.first_seen_at,
        attributes.acquisition_channel,
        attributes.acquisition_creator_id,
        customers.first_order_date,
        customers.last_order_date,
        customers.recency_days,
        customers.days_since_first_order,
        customers.lifetime_orders,
        customers.is_one_time_buyer,
        customers.lifetime_revenue,
        customers.frequency_orders,
        customers.frequency_days,
        customers.monetary_total,
        customers.monetary_average,
        customers.trailing_12m_revenue,
        customers.trailing_12m_orders,
        customers.r_score,
        customers.f_score,
        customers.m_score,
        customers.rfm_composite,
        customers.rfm_cell,
        predictions.p_alive,
        predictions.expected_purchases,
        predictions.churn_risk,
        predictions.expected_order_value,
        predictions.expected_revenue,
        predictions.predicted_clv,
        predictions.clv_if_retained,
        predictions.retention_upside,
        predictions.expected_next_purchase_date,
        customers.segment,
        segments.segment_label,
        segments.segment_order,
        segments.is_priority,
        segments.objective,
        segments.core_message,
        segments.primary_channel,
        segments.cadence,
        segments.incentive_type,
        segments.max_incentive_depth_pct,
        segments.human_outreach,
        segments.suppress_paid
    from customers
    left join segments
        on customers.segment = segments.segment
    left join attributes
        on customers.customer_id = attributes.customer_id
    left join predictions
        on customers.customer_id = predictions.customer_id
)

select * from final
