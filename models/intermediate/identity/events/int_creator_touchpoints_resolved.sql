-- Creator touchpoints with the resolved customer: through customer_id, else the anonymous id, so
-- a video watched before signing up counts for the customer it led to.
with

touchpoints as (
    select * from {{ ref('stg_retain__creator_touchpoints') }}
),

identifiers as (
    select * from {{ ref('int_identifiers_resolved') }}
),

final as (
    select
        coalesce(
            resolved_customer_id.resolved_customer_id,
            resolved_anonymous_id.resolved_customer_id,
            touchpoints.customer_id
        ) as customer_id,
        touchpoints.customer_id as source_customer_id,
        touchpoints.anonymous_id,
        touchpoints.creator_id,
        touchpoints.platform,
        touchpoints.touchpoint_type,
        touchpoints.completion_pct,
        touchpoints.occurred_at,
        touchpoints.occurred_date
    from touchpoints
    left join identifiers as resolved_customer_id
        on
            resolved_customer_id.identifier_type = 'customer_id'
            and touchpoints.customer_id = resolved_customer_id.identifier_value
    left join identifiers as resolved_anonymous_id
        on
            resolved_anonymous_id.identifier_type = 'anonymous_id'
            and touchpoints.anonymous_id = resolved_anonymous_id.identifier_value
)

select * from final
