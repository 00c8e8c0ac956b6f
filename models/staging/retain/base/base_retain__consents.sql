-- One row per input row of the `consents` source, typed, with the first rule it breaks
-- (rejection_reason, null when accepted). Rules, first failing wins:
--   erased (an erased customer: macros/privacy/retain_erasure.sql),
--   missing_required_field, invalid_timestamp, unknown_consent_purpose,
--   unknown_consent_status, event_after_as_of, exact_duplicate, duplicate_key (same
--   customer_id, purpose and recorded_at with different content; the last row read wins).
with

source_rows as (
    select * from {{ retain_source('consents') }} as consents_source
),

cleaned as (
    select
        _retain_source_file as source_file,
        _retain_source_row_number as source_row_number,
        _retain_row_hash as row_hash,
        {{ retain_text('customer_id') }} as customer_id,
        {{ retain_code('purpose') }} as purpose,
        {{ retain_code('status') }} as status,
        {{ retain_text('recorded_at') }} as recorded_at_text,
        {{ retain_to_timestamp('recorded_at') }} as recorded_at,
        {{ retain_code('source') }} as consent_source
    from source_rows
),

checked as (
    select
        *,
        case
            when {{ retain_is_erased('customer_id') }} then 'erased'
            when
                customer_id is null
                or purpose is null
                or status is null
                or recorded_at_text is null
                then 'missing_required_field'
            when recorded_at is null then 'invalid_timestamp'
            when purpose not in {{ retain_accepted_values('consents', 'purpose') }}
                then 'unknown_consent_purpose'
            when status not in {{ retain_accepted_values('consents', 'status') }}
                then 'unknown_consent_status'
            when cast(recorded_at as date) > {{ retain_as_of() }}
                then 'event_after_as_of'
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
        {{ retain_key_rank(['customer_id', 'purpose', 'recorded_at']) }} as key_rank
    from ranked
),

final as (
    select
        source_file,
        source_row_number,
        customer_id as source_key,
        {{ retain_rejection_reason() }} as rejection_reason,
        customer_id,
        purpose,
        status,
        recorded_at,
        consent_source as source
    from key_ranked
)

select * from final
