-- share_of_customers sums to 1 when there are customers, revenue_share when the total trailing
-- revenue is not 0 (within 1e-9); otherwise every share is 0. Returns a row when not.
with

summary as (
    select * from {{ ref('segment_summary') }}
),

totals as (
    select
        sum(customers) as customers,
        sum(trailing_12m_revenue) as trailing_12m_revenue,
        sum(share_of_customers) as share_of_customers,
        sum(revenue_share) as revenue_share,
        sum(abs(revenue_share)) as absolute_revenue_share
    from summary
),

final as (
    select * from totals
    where
        (customers > 0 and abs(share_of_customers - 1) > 1e-9)
        or (customers = 0 and share_of_customers <> 0)
        or (trailing_12m_revenue <> 0 and abs(revenue_share - 1) > 1e-9)
        or (trailing_12m_revenue = 0 and absolute_revenue_share <> 0)
)

select * from final
