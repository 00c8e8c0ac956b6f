-- One row per input row of the `erasure_requests` source, typed, with the first rule it
-- breaks (rejection_reason, null when accepted). Rules, first failing wins:
--   missing_required_field, invalid_timestamp, exact_duplicate, duplicate_key (customer_id;
--   the earliest request is kept).
-- Unlike every other source, requests after the as-of date are NOT rejected: an erasure
-- request must keep a customer out of every export, backtests and reruns included.
with

source_rows as (
    select * from {{ retain_source('erasure_requests') }} as erasure_requests_source
),

cleaned as (
    select
        _retain_source_file as source_file,
        _retain_source_row_number as source_row_number,
        _retain_row_hash as row_hash,
        {{ retain_text('customer_id') }} as customer_id,
        {{ retain_text('requested_at') }} as requested_at_text,
        {{ retain_to_timestamp('requested_at') }} as requested_at
    from source_rows
),

checked as (
    select
        *,
        case
            when customer_id is null or requested_at_text is null
                then 'missing_required_field'
            when requested_at is null then 'invalid_timestamp'
        end as row_rejection_reason
    from cleaned
),

ranked as (
    select
        *,
        {{ retain_copy_number() }} as copy_number
    from checked
),

key_ranked as (
    select
        *,
        {{ retain_key_rank(
            ['customer_id'],
            order_by='requested_at, source_file, source_row_number'
        ) }} as key_rank
    from ranked
),

final as (
    select
        source_file,
        source_row_number,
        customer_id as source_key,
        {{ retain_rejection_reason() }} as rejection_reason,
        customer_id,
        requested_at,
        cast(requested_at as date) as requested_date
    from key_ranked
)

select * from final
