-- Accepted stores, typed, one row per store_id. Rejected rows are in rejected_rows.
with

validated as (
    select * from {{ ref('base_retain__stores') }}
),

final as (
    select
        store_id,
        lat,
        lon
    from validated
    where rejection_reason is null
)

select * from final
