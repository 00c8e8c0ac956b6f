{#-
  One row per configured segment (empty ones included), in rule order: size, share of customers,
  trailing-12-month net revenue and its share, averages, and the strategy. Shares are 0 when there
  are no customers or the total trailing revenue is 0; otherwise each set of shares sums to 1.

  Predictions: average predicted CLV and churn risk, and the retention upside (the sum of the
  customers' save_rate x churn_risk x clv_if_retained). Given predictions.budget, each segment's
  recommended budget: spending b on a segment is taken to save upside x (1 - exp(-b / capacity)),
  capacity = customers x cost_per_customer (diminishing returns). The allocation that saves the most
  equalises the marginal return across funded segments ("water filling"): with u = upside /
  capacity, a segment gets capacity x ln(u / level) when u > level, else nothing, and the level is
  where the budget is used up - never below 1, since a segment that returns less than it costs
  gets nothing (the rest of the budget is then left unallocated).
-#}
{%- set predictions = clv_settings() -%}

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
        sum(trailing_12m_orders) as trailing_12m_orders,
        avg(predicted_clv) as average_predicted_clv,
        avg(churn_risk) as average_churn_risk,
        sum(retention_upside) as retention_upside
    from customers
    group by segment
),

{%- if predictions.budget is none or predictions.cost_per_customer <= 0 %}

allocation as (
    select
        segment,
        cast(null as {{ retain_type_double() }}) as recommended_budget,
        cast(null as {{ retain_type_double() }}) as expected_saved_value
    from by_segment
    where 1 = 0
),

{%- else %}
    {%- set budget = clv_literal(predictions.budget) %}

allocation_inputs as (
    select
        segment,
        retention_upside as upside,
        customers * {{ clv_literal(predictions.cost_per_customer) }} as capacity,
        retention_upside
        / (customers * {{ clv_literal(predictions.cost_per_customer) }}) as return_per_cost
    from by_segment
    where retention_upside > 0 and customers > 0
),

ranked as (
    select
        segment,
        upside,
        capacity,
        return_per_cost,
        sum(capacity) over (
            order by return_per_cost desc, segment
            rows between unbounded preceding and current row
        ) as cumulative_capacity,
        sum(capacity * ln(return_per_cost)) over (
            order by return_per_cost desc, segment
            rows between unbounded preceding and current row
        ) as cumulative_capacity_ln_return
    from allocation_inputs
    where return_per_cost > 1
),

levels as (
    -- the level at which the k best segments use up the budget
    select
        *,
        {{ clv_exp('(cumulative_capacity_ln_return - ' ~ budget ~ ') / cumulative_capacity') }}
            as level_k
    from ranked
),

water_level as (
    -- the funded segments are the longest prefix whose last one still returns more than the level
    select greatest(coalesce(min(level_k), 1), 1) as level
    from levels
    where
        cumulative_capacity = (
            select max(cumulative_capacity) from levels
            where return_per_cost > level_k
        )
),

allocation as (
    select
        allocation_inputs.segment,
        case
            when allocation_inputs.return_per_cost > water_level.level
                then allocation_inputs.capacity
                * ln(allocation_inputs.return_per_cost / water_level.level)
            else 0
        end as recommended_budget,
        case
            when allocation_inputs.return_per_cost > water_level.level
                then allocation_inputs.upside
                * (1 - water_level.level / allocation_inputs.return_per_cost)
            else 0
        end as expected_saved_value
    from allocation_inputs
    cross join water_level
),

{%- endif %}

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
        by_segment.average_predicted_clv,
        by_segment.average_churn_risk,
        coalesce(by_segment.retention_upside, 0) as retention_upside,
        {% if predictions.budget is none or predictions.cost_per_customer <= 0 -%}
        cast(null as {{ retain_type_double() }}) as recommended_budget,
        cast(null as {{ retain_type_double() }}) as expected_saved_value,
        {%- else -%}
        coalesce(allocation.recommended_budget, 0) as recommended_budget,
        coalesce(allocation.expected_saved_value, 0) as expected_saved_value,
        {%- endif %}
        totals.total_customers,
        totals.total_trailing_12m_revenue
    from segments
    left join by_segment
        on segments.segment = by_segment.segment
    left join allocation
        on segments.segment = allocation.segment
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
        measured.average_predicted_clv,
        measured.average_churn_risk,
        measured.retention_upside,
        measured.recommended_budget,
        case
            when measured.recommended_budget is not null
                then measured.recommended_budget / {{ clv_literal(predictions.budget or 1) }}
        end as budget_share,
        measured.expected_saved_value,
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
