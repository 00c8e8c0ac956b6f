{#-
  One row per configured segment (empty ones included), in rule order: size, share of customers,
  trailing-12-month net revenue and its share, averages, and the strategy. Shares are 0 when there
  are no customers or the total trailing revenue is 0; otherwise each set of shares sums to 1.
-#}
with

customers as (
    select * from {{ ref('customer_profile') }}
),

segments as (
    select * from {{ ref('int_segments_configured') }}
),

by_segment as (
    select
        segment,
        count(*) as customers,
        sum(trailing_12m_revenue) as trailing_12m_revenue,
        sum(trailing_12m_orders) as trailing_12m_orders
    from customers
    group by segment
),

totals as (
    select
        coalesce(sum(customers), 0) as total_customers,
        coalesce(sum(trailing_12m_revenue), 0) as total_trailing_12m_revenue
    from by_segment
),

measured as (
    select
        segments.segment,
        coalesce(by_segment.customers, 0) as customers,
        coalesce(by_segment.trailing_12m_revenue, 0) as trailing_12m_revenue,
        coalesce(by_segment.trailing_12m_orders, 0) as trailing_12m_orders,
        totals.total_customers,
        totals.total_trailing_12m_revenue
    from segments
    left join by_segment
        on segments.segment = by_segment.segment
    cross join totals
),

final as (
    select
        segments.segment,
        segments.segment_label,
        segments.segment_order,
        segments.is_priority,
        {{ retain_as_of() }} as as_of_date,
        measured.customers,
        case
            when measured.total_customers = 0 then 0
            else
                cast(measured.customers as {{ retain_type_double() }})
                / measured.total_customers
        end as share_of_customers,
        measured.trailing_12m_revenue,
        measured.trailing_12m_orders,
        case
            when measured.total_trailing_12m_revenue = 0 then 0
            else
                cast(measured.trailing_12m_revenue as {{ retain_type_double() }})
                / measured.total_trailing_12m_revenue
        end as revenue_share,
        case
            when measured.trailing_12m_orders > 0
                then
                    cast(measured.trailing_12m_revenue as {{ retain_type_double() }})
                    / measured.trailing_12m_orders
        end as average_order_value,
        case
            when measured.customers > 0
                then
                    cast(measured.trailing_12m_revenue as {{ retain_type_double() }})
                    / measured.customers
        end as average_value_per_customer,
        segments.objective,
        segments.core_message,
        segments.primary_channel,
        segments.cadence,
        segments.incentive_type,
        segments.max_incentive_depth_pct,
        segments.human_outreach,
        segments.suppress_paid
    from segments
    inner join measured
        on segments.segment = measured.segment
)

select * from final
