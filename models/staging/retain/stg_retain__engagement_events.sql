-- Accepted engagement events, typed; none after the as-of date. Rejected rows are in rejected_rows.
with

validated as (
    select * from {{ ref('base_retain__engagement_events') }}
),

final as (
    select
        customer_id,
        anonymous_id,
        event_type,
        channel,
        occurred_at,
        occurred_date
    from validated
    where rejection_reason is null
)

select * from final
