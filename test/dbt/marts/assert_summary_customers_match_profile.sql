-- Every profiled customer is counted in exactly one segment of the summary:
-- the segment sizes add up to the profile's rows. Returns a row when they do not.
with

profile as (
    select count(*) as profile_customers from {{ ref('customer_profile') }}
),

summary as (
    select coalesce(sum(customers), 0) as summary_customers
    from {{ ref('segment_summary') }}
),

final as (
    select
        profile.profile_customers,
        summary.summary_customers
    from profile
    cross join summary
    where profile.profile_customers <> summary.summary_customers
)

select * from final
