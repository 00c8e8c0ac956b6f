-- Engagement events with the resolved customer: through customer_id, else the anonymous id, so
-- pre-login sessions and clicks count for the customer they were later linked to. Events that
-- resolve to no customer keep a null customer_id.
with

events as (
    select * from {{ ref('stg_retain__engagement_events') }}
),

identifiers as (
    select * from {{ ref('int_identifiers_resolved') }}
),

final as (
    select
        coalesce(
            resolved_customer_id.resolved_customer_id,
            resolved_anonymous_id.resolved_customer_id,
            events.customer_id
        ) as customer_id,
        events.customer_id as source_customer_id,
        events.anonymous_id,
        events.event_type,
        events.channel,
        events.occurred_at,
        events.occurred_date
    from events
    left join identifiers as resolved_customer_id
        on
            resolved_customer_id.identifier_type = 'customer_id'
            and events.customer_id = resolved_customer_id.identifier_value
    left join identifiers as resolved_anonymous_id
        on
            resolved_anonymous_id.identifier_type = 'anonymous_id'
            and events.anonymous_id = resolved_anonymous_id.identifier_value
)

select * from final
