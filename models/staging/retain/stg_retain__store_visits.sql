-- Accepted store visits, typed; none after the as-of date. Rejected rows are in rejected_rows.
with

validated as (
    select * from {{ ref('base_retain__store_visits') }}
),

final as (
    select
        customer_id,
        device_id,
        store_id,
        visited_at,
        visit_date
    from validated
    where rejection_reason is null
)

select * from final
