-- Accepted erasure requests, one row per customer_id (the earliest).
-- Rejected rows are in rejected_rows.
with

validated as (
    select * from {{ ref('base_retain__erasure_requests') }}
),

final as (
    select
        customer_id,
        requested_at,
        requested_date
    from validated
    where rejection_reason is null
)

select * from final
