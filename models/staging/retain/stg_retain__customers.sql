-- Accepted customers: typed, one row per customer_id. Rejected rows are in rejected_rows.
with

validated as (
    select * from {{ ref('base_retain__customers') }}
),

final as (
    select
        customer_id,
        email,
        phone,
        first_seen_at,
        country,
        postal_code,
        home_lat,
        home_lon,
        acquisition_channel,
        acquisition_creator_id
    from validated
    where rejection_reason is null
)

select * from final
