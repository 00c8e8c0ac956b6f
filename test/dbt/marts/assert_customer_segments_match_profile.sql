-- This run's rows of customer_segments are exactly the profile's customers with the profile's
-- segment (MECE: one configured segment per customer). Returns each mismatch.
with

profile as (
    select * from {{ ref('customer_profile') }}
),

current_run as (
    select * from {{ ref('customer_segments') }}
    where as_of_date = {{ retain_as_of() }}
),

final as (
    select
        coalesce(profile.customer_id, current_run.customer_id) as customer_id,
        profile.segment as profile_segment,
        current_run.segment as history_segment
    from profile
    full outer join current_run
        on profile.customer_id = current_run.customer_id
    where
        profile.customer_id is null
        or current_run.customer_id is null
        or profile.segment <> current_run.segment
)

select * from final
