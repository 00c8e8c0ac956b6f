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

-- behavioural layers: models/intermediate/lifecycle, engagement, creator, location, affinity, flags
lifecycle as (
    select * from {{ ref('int_customers_lifecycle') }}
),

engagement as (
    select * from {{ ref('int_customers_engaged') }}
),

creator as (
    select * from {{ ref('int_customers_creator_attributed') }}
),

location as (
    select * from {{ ref('int_customers_located') }}
),

affinity as (
    select * from {{ ref('int_customers_affinity') }}
),

flags as (
    select * from {{ ref('int_customers_flagged') }}
),

refined as (
    select * from {{ ref('int_customers_strategy_refined') }}
),

consents as (
    select * from {{ ref('int_customers_consented') }}
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
        segments.suppress_paid,
        -- lifecycle
        lifecycle.lifecycle_stage,
        lifecycle.expected_gap_days,
        lifecycle.is_gap_from_population,
        lifecycle.cycles_since_last_purchase,
        -- engagement
        engagement.email_open_rate_30d,
        engagement.email_click_rate_30d,
        engagement.email_open_rate_90d,
        engagement.email_click_rate_90d,
        engagement.site_visits_90d,
        engagement.app_sessions_90d,
        engagement.days_since_site_visit,
        engagement.days_since_app_session,
        engagement.days_since_engagement,
        coalesce(engagement.engagement_trend, 'none') as engagement_trend,
        engagement.most_responsive_channel,
        engagement.preferred_send_hour,
        engagement.preferred_send_weekday,
        coalesce(engagement.is_fatigued, false) as is_fatigued,
        -- creator
        creator.is_creator_acquired,
        creator.acquiring_creator_id as acquired_by_creator_id,
        creator.acquiring_creator_platform,
        creator.last_creator_engagement_date,
        creator.last_engaged_creator_id,
        creator.days_since_creator_engagement,
        -- location
        location.nearest_store_id,
        location.distance_to_nearest_store_km,
        location.store_visits_90d,
        location.days_since_store_visit,
        location.is_moved_away,
        -- affinity
        affinity.top_category,
        affinity.top_category_recent,
        coalesce(affinity.category_breadth, 0) as category_breadth,
        coalesce(affinity.has_affinity_shift, false) as has_affinity_shift,
        -- flags
        flags.return_rate,
        flags.discounted_share,
        flags.is_high_return_rate,
        flags.is_single_channel,
        flags.is_discount_dependent,
        -- the strategy refined by the profile (int_customers_strategy_refined)
        refined.profile_objective,
        refined.profile_objective_reason,
        refined.profile_channel,
        refined.profile_channel_reason,
        refined.profile_send_hour,
        refined.profile_send_hour_reason,
        refined.profile_cadence,
        refined.profile_cadence_reason,
        refined.profile_max_messages_per_week,
        refined.profile_max_messages_per_week_reason,
        refined.profile_incentive,
        refined.profile_incentive_reason,
        -- consent: the latest status per purpose ('granted', 'revoked', null = never recorded)
        consents.consent_email,
        consents.consent_sms,
        consents.consent_push,
        consents.consent_ads,
        consents.consent_profiling,
        consents.consent_location
    from customers
    left join segments
        on customers.segment = segments.segment
    left join attributes
        on customers.customer_id = attributes.customer_id
    left join predictions
        on customers.customer_id = predictions.customer_id
    left join lifecycle
        on customers.customer_id = lifecycle.customer_id
    left join engagement
        on customers.customer_id = engagement.customer_id
    left join creator
        on customers.customer_id = creator.customer_id
    left join location
        on customers.customer_id = location.customer_id
    left join affinity
        on customers.customer_id = affinity.customer_id
    left join flags
        on customers.customer_id = flags.customer_id
    left join refined
        on customers.customer_id = refined.customer_id
    left join consents
        on customers.customer_id = consents.customer_id
)

select * from final
