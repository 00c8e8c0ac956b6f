-- Accepted creator touchpoints, typed; none after the as-of date.
-- Rejected rows are in rejected_rows.
with

validated as (
    select * from {{ ref('base_retain__creator_touchpoints') }}
),

final as (
    select
        customer_id,
        anonymous_id,
        creator_id,
        platform,
        touchpoint_type,
        completion_pct,
        occurred_at,
        occurred_date
    from validated
    where rejection_reason is null
)

select * from final
