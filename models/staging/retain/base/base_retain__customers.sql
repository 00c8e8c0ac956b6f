-- One row per input row of the `customers` source, typed, with the first rule it breaks
-- (rejection_reason, null when accepted). Rules, first failing wins:
--   erased (an erased customer: macros/privacy/retain_erasure.sql),
--   missing_required_field, invalid_timestamp (first_seen_at), invalid_number (home_lat/lon),
--   invalid_coordinates (lat outside -90..90, lon outside -180..180, or only one of them),
--   event_after_as_of (first seen after the as-of date), exact_duplicate,
--   duplicate_key (the last row read wins).
with

source_rows as (
    select * from {{ retain_source('customers') }} as customers_source
),

cleaned as (
    select
        _retain_source_file as source_file,
        _retain_source_row_number as source_row_number,
        _retain_row_hash as row_hash,
        {{ retain_text('customer_id') }} as customer_id,
        lower({{ retain_text('email') }}) as email,
        {{ retain_text('phone') }} as phone_text,
        {{ retain_text('first_seen_at') }} as first_seen_at_text,
        {{ retain_to_timestamp('first_seen_at') }} as first_seen_at,
        upper({{ retain_text('country') }}) as country,
        upper({{ retain_text('postal_code') }}) as postal_code,
        {{ retain_text('home_lat') }} as home_lat_text,
        {{ retain_to_number('home_lat', retain_type_double()) }} as home_lat,
        {{ retain_text('home_lon') }} as home_lon_text,
        {{ retain_to_number('home_lon', retain_type_double()) }} as home_lon,
        {{ retain_code('acquisition_channel') }} as acquisition_channel,
        {{ retain_text('acquisition_creator_id') }} as acquisition_creator_id
    from source_rows
),

checked as (
    select
        *,
        case
            when {{ retain_is_erased('customer_id') }} then 'erased'
            when customer_id is null then 'missing_required_field'
            when first_seen_at_text is not null and first_seen_at is null
                then 'invalid_timestamp'
            when
                (home_lat_text is not null and home_lat is null)
                or (home_lon_text is not null and home_lon is null)
                then 'invalid_number'
            when
                (home_lat is null) != (home_lon is null)
                or home_lat not between -90 and 90
                or home_lon not between -180 and 180
                then 'invalid_coordinates'
            when cast(first_seen_at as date) > {{ retain_as_of() }}
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
        {{ retain_key_rank(['customer_id']) }} as key_rank
    from ranked
),

final as (
    select
        source_file,
        source_row_number,
        customer_id as source_key,
        {{ retain_rejection_reason() }} as rejection_reason,
        customer_id,
        email,
        case
            when {{ retain_digits_only('phone_text') }} = '' then null
            when phone_text like '+%'
                then {{ dbt.concat(["'+'", retain_digits_only('phone_text')]) }}
            else {{ retain_digits_only('phone_text') }}
        end as phone,
        first_seen_at,
        country,
        postal_code,
        home_lat,
        home_lon,
        acquisition_channel,
        acquisition_creator_id
    from key_ranked
)

select * from final
