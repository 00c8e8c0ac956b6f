-- Accepted consent records, typed; none after the as-of date. Rejected rows are in rejected_rows.
with

validated as (
    select * from {{ ref('base_retain__consents') }}
),

final as (
    select
        customer_id,
        purpose,
        status,
        recorded_at,
        source
    from validated
    where rejection_reason is null
)

select * from final
