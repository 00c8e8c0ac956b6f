-- One row per input row of the `identity_links` source, typed, with the first rule it breaks
-- (rejection_reason, null when accepted). Rules, first failing wins:
--   erased (either side an erased customer id: macros/privacy/retain_erasure.sql),
--   missing_required_field, invalid_timestamp (observed_at), event_after_as_of,
--   exact_duplicate (no natural key: the same pair seen at different times is kept).
with

source_rows as (
    select * from {{ retain_source('identity_links') }} as identity_links_source
),

cleaned as (
    select
        _retain_source_file as source_file,
        _retain_source_row_number as source_row_number,
        _retain_row_hash as row_hash,
        {{ retain_code('id_type_a') }} as id_type_a,
        {{ retain_text('id_value_a') }} as id_value_a,
        {{ retain_code('id_type_b') }} as id_type_b,
        {{ retain_text('id_value_b') }} as id_value_b,
        {{ retain_text('observed_at') }} as observed_at_text,
        {{ retain_to_timestamp('observed_at') }} as observed_at
    from source_rows
),

checked as (
    select
        *,
        case
            when
                (id_type_a = 'customer_id' and {{ retain_is_erased('id_value_a') }})
                or (id_type_b = 'customer_id' and {{ retain_is_erased('id_value_b') }})
                then 'erased'
            when
                id_type_a is null
                or id_value_a is null
                or id_type_b is null
                or id_value_b is null
                then 'missing_required_field'
            when observed_at_text is not null and observed_at is null
                then 'invalid_timestamp'
            when cast(observed_at as date) > {{ retain_as_of() }}
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

final as (
    select
        source_file,
        source_row_number,
        {{ dbt.concat(['id_type_a', "':'", 'id_value_a']) }} as source_key,
        {{ retain_rejection_reason(has_key=false) }} as rejection_reason,
        id_type_a,
        id_value_a,
        id_type_b,
        id_value_b,
        observed_at
    from ranked
)

select * from final
