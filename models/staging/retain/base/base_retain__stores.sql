-- One row per input row of the `stores` source, typed, with the first rule it breaks
-- (rejection_reason, null when accepted). Rules, first failing wins:
--   missing_required_field (store_id), invalid_number (lat, lon), invalid_coordinates (lat
--   outside -90..90, lon outside -180..180, or only one of them), exact_duplicate,
--   duplicate_key (store_id; the last row read wins).
with

source_rows as (
    select * from {{ retain_source('stores') }} as stores_source
),

cleaned as (
    select
        _retain_source_file as source_file,
        _retain_source_row_number as source_row_number,
        _retain_row_hash as row_hash,
        {{ retain_text('store_id') }} as store_id,
        {{ retain_text('lat') }} as lat_text,
        {{ retain_to_number('lat', retain_type_double()) }} as lat,
        {{ retain_text('lon') }} as lon_text,
        {{ retain_to_number('lon', retain_type_double()) }} as lon
    from source_rows
),

checked as (
    select
        *,
        case
            when store_id is null then 'missing_required_field'
            when
                (lat_text is not null and lat is null)
                or (lon_text is not null and lon is null)
                then 'invalid_number'
            when
                (lat is null) != (lon is null)
                or lat not between -90 and 90
                or lon not between -180 and 180
                then 'invalid_coordinates'
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
        {{ retain_key_rank(['store_id']) }} as key_rank
    from ranked
),

final as (
    select
        source_file,
        source_row_number,
        store_id as source_key,
        {{ retain_rejection_reason() }} as rejection_reason,
        store_id,
        lat,
        lon
    from key_ranked
)

select * from final
