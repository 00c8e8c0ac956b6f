-- One row per input row of the `creator_touchpoints` source, typed, with the first rule it
-- breaks (rejection_reason, null when accepted). Rules, first failing wins:
--   erased (an erased customer: macros/privacy/retain_erasure.sql),
--   missing_required_field (creator_id, platform, touchpoint_type, occurred_at),
--   missing_identifier (neither customer_id nor anonymous_id), invalid_timestamp,
--   invalid_number (completion_pct), unknown_touchpoint_type, out_of_range (completion_pct
--   outside 0..100), event_after_as_of, exact_duplicate (no natural key).
-- Incremental, like base_retain__engagement_events (macros/incremental): a run re-reads the rows
-- dated within the lookback window (and every row without a date, and erased customers' rows)
-- and merges them on row_key.
{{ config(**retain_incremental_config('occurred_date')) }}
with

source_rows as (
    select * from {{ retain_source('creator_touchpoints') }} as creator_touchpoints_source
),

cleaned as (
    select
        _retain_source_file as source_file,
        _retain_source_row_number as source_row_number,
        _retain_row_hash as row_hash,
        {{ retain_text('customer_id') }} as customer_id,
        {{ retain_text('anonymous_id') }} as anonymous_id,
        {{ retain_text('creator_id') }} as creator_id,
        {{ retain_code('platform') }} as platform,
        {{ retain_code('touchpoint_type') }} as touchpoint_type,
        {{ retain_text('completion_pct') }} as completion_pct_text,
        {{ retain_to_number('completion_pct', retain_type_double()) }} as completion_pct,
        {{ retain_text('occurred_at') }} as occurred_at_text,
        {{ retain_to_timestamp('occurred_at') }} as occurred_at
    from source_rows
),

checked as (
    select
        *,
        case
            when {{ retain_is_erased('customer_id') }} then 'erased'
            when
                creator_id is null
                or platform is null
                or touchpoint_type is null
                or occurred_at_text is null
                then 'missing_required_field'
            when customer_id is null and anonymous_id is null then 'missing_identifier'
            when occurred_at is null then 'invalid_timestamp'
            when completion_pct_text is not null and completion_pct is null
                then 'invalid_number'
            when
                touchpoint_type
                not in {{ retain_accepted_values('creator_touchpoints', 'touchpoint_type') }}
                then 'unknown_touchpoint_type'
            when completion_pct not between 0 and 100 then 'out_of_range'
            when cast(occurred_at as date) > {{ retain_as_of() }}
                then 'event_after_as_of'
        end as row_rejection_reason
    from cleaned
),

batch as (
    select * from checked
    where
        {{ retain_incremental_window('cast(occurred_at as date)', 'occurred_date') }}
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
        coalesce(customer_id, anonymous_id) as source_key,
        {{ retain_rejection_reason(has_key=false) }} as rejection_reason,
        customer_id,
        anonymous_id,
        creator_id,
        platform,
        touchpoint_type,
        completion_pct,
        occurred_at,
        cast(occurred_at as date) as occurred_date,
        {{ retain_row_key() }} as row_key
    from ranked
)

select * from final
