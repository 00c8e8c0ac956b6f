-- One row per input row of the `store_visits` source, typed, with the first rule it breaks
-- (rejection_reason, null when accepted). Rules, first failing wins:
--   erased (an erased customer: macros/privacy/retain_erasure.sql),
--   missing_required_field (store_id, visited_at), missing_identifier (neither customer_id
--   nor device_id), invalid_timestamp, event_after_as_of, exact_duplicate (no natural key).
-- Incremental, like base_retain__engagement_events (macros/incremental): a run re-reads the rows
-- dated within the lookback window (and every row without a date, and erased customers' rows)
-- and merges them on row_key.
{{ config(**retain_incremental_config('visit_date')) }}
with

source_rows as (
    select * from {{ retain_source('store_visits') }} as store_visits_source
),

cleaned as (
    select
        _retain_source_file as source_file,
        _retain_source_row_number as source_row_number,
        _retain_row_hash as row_hash,
        {{ retain_text('customer_id') }} as customer_id,
        {{ retain_text('device_id') }} as device_id,
        {{ retain_text('store_id') }} as store_id,
        {{ retain_text('visited_at') }} as visited_at_text,
        {{ retain_to_timestamp('visited_at') }} as visited_at
    from source_rows
),

checked as (
    select
        *,
        case
            when {{ retain_is_erased('customer_id') }} then 'erased'
            when store_id is null or visited_at_text is null
                then 'missing_required_field'
            when customer_id is null and device_id is null then 'missing_identifier'
            when visited_at is null then 'invalid_timestamp'
            when cast(visited_at as date) > {{ retain_as_of() }}
                then 'event_after_as_of'
        end as row_rejection_reason
    from cleaned
),

batch as (
    select * from checked
    where
        {{ retain_incremental_window('cast(visited_at as date)', 'visit_date') }}
        or row_rejection_reason = 'erased'
),

ranked as (
    select
        *,
        {{ retain_copy_number() }} as copy_number
    from batch
),

final as (
    select
        source_file,
        source_row_number,
        coalesce(customer_id, device_id) as source_key,
        {{ retain_rejection_reason(has_key=false) }} as rejection_reason,
        customer_id,
        device_id,
        store_id,
        visited_at,
        cast(visited_at as date) as visit_date,
        {{ retain_row_key() }} as row_key
    from ranked
)

select * from final
