{#-
  The segment's strategy refined per customer by the profile (var retain_strategy_refinements):
  for each of objective, channel, cadence, incentive and maximum messages per week, the first
  matching refinement that sets it wins, else the segment's value (or, for the message cap, the
  engagement layer's fatigue-aware cap); the send hour is the customer's most frequent response
  hour, else retain_layers.default_send_hour. Each choice carries its reason. Customers in
  no_profiling (revoked profiling consent) get none of it: the segment's strategy, the default
  send hour and the default cap, each with the reason 'no profiling consent: ...'.
-#}
{%- set rules = strategy_refinement_settings() -%}
{%- set default_hour = retain_layer_number('retain_layers', 'default_send_hour') -%}
{%- set max_per_week = retain_layer_number('retain_layers', 'max_messages_per_week') -%}
{%- set no_profiling = "'no profiling consent: segment strategy, no refinement'" -%}

with

segmented as (
    select * from {{ ref('int_customers_segmented') }}
),

segments as (
    select * from {{ ref('int_segments_configured') }}
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

profiled as (
    -- every column a refinement rule may use (retain_rule_columns and retain_profile_rule_columns)
    select
        segmented.*,
        segments.objective as segment_objective,
        segments.primary_channel as segment_channel,
        segments.cadence as segment_cadence,
        segments.incentive_type as segment_incentive,
        engagement.email_open_rate_30d,
        engagement.email_open_rate_90d,
        engagement.email_click_rate_90d,
        engagement.days_since_engagement,
        coalesce(engagement.engagement_trend, 'none') as engagement_trend,
        engagement.most_responsive_channel,
        engagement.preferred_send_hour,
        coalesce(engagement.is_fatigued, false) as is_fatigued,
        coalesce(engagement.max_messages_per_week, {{ max_per_week }}) as engagement_cap,
        coalesce(creator.is_creator_acquired, false) as is_creator_acquired,
        creator.days_since_creator_engagement,
        location.distance_to_nearest_store_km,
        coalesce(location.store_visits_90d, 0) as store_visits_90d,
        location.days_since_store_visit,
        coalesce(location.is_moved_away, false) as is_moved_away,
        coalesce(affinity.category_breadth, 0) as category_breadth,
        coalesce(affinity.has_affinity_shift, false) as has_affinity_shift,
        coalesce(flags.is_high_return_rate, false) as is_high_return_rate,
        coalesce(flags.is_single_channel, false) as is_single_channel,
        coalesce(flags.is_discount_dependent, false) as is_discount_dependent
    from segmented
    left join segments
        on segmented.segment = segments.segment
    left join engagement
        on segmented.customer_id = engagement.customer_id
    left join creator
        on segmented.customer_id = creator.customer_id
    left join location
        on segmented.customer_id = location.customer_id
    left join affinity
        on segmented.customer_id = affinity.customer_id
    left join flags
        on segmented.customer_id = flags.customer_id
),

final as (
    -- no_profiling customers (revoked profiling consent) keep their segment's strategy as it is:
    -- every refinement, the learned send hour and the engagement-based cap are profiling
    select
        customer_id,
        case
            when segment = 'no_profiling' then segment_objective
            else {{ strategy_refinement_case(rules, 'objective', 'segment_objective') }}
        end as profile_objective,
        case
            when segment = 'no_profiling' then {{ no_profiling }}
            else {{ strategy_refinement_reason(rules, 'objective', "'segment strategy'") }}
        end as profile_objective_reason,
        case
            when segment = 'no_profiling' then segment_channel
            else {{ strategy_refinement_case(rules, 'primary_channel', 'segment_channel') }}
        end as profile_channel,
        case
            when segment = 'no_profiling' then {{ no_profiling }}
            else {{ strategy_refinement_reason(rules, 'primary_channel', "'segment strategy'") }}
        end as profile_channel_reason,
        case
            when segment = 'no_profiling' then {{ default_hour }}
            else coalesce(preferred_send_hour, {{ default_hour }})
        end as profile_send_hour,
        case
            when segment = 'no_profiling' then {{ no_profiling }}
            when preferred_send_hour is not null then 'most frequent response hour'
            else 'no responses: default send hour'
        end as profile_send_hour_reason,
        case
            when segment = 'no_profiling' then segment_cadence
            else {{ strategy_refinement_case(rules, 'cadence', 'segment_cadence') }}
        end as profile_cadence,
        case
            when segment = 'no_profiling' then {{ no_profiling }}
            else {{ strategy_refinement_reason(rules, 'cadence', "'segment strategy'") }}
        end as profile_cadence_reason,
        case
            when segment = 'no_profiling' then {{ max_per_week }}
            else {{ strategy_refinement_case(rules, 'max_messages_per_week', 'engagement_cap') }}
        end as profile_max_messages_per_week,
        case
            when segment = 'no_profiling' then {{ no_profiling }}
            else {{ strategy_refinement_reason(rules, 'max_messages_per_week',
                "case when is_fatigued then 'fatigued: no response to recent emails' "
                ~ "else 'engagement response rate' end") }}
        end as profile_max_messages_per_week_reason,
        case
            when segment = 'no_profiling' then segment_incentive
            else {{ strategy_refinement_case(rules, 'incentive_type', 'segment_incentive') }}
        end as profile_incentive,
        case
            when segment = 'no_profiling' then {{ no_profiling }}
            else {{ strategy_refinement_reason(rules, 'incentive_type', "'segment strategy'") }}
        end as profile_incentive_reason
    from profiled
)

select * from final
