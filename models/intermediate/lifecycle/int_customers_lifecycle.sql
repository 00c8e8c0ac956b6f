{#-
  Each purchasing customer's lifecycle stage relative to their own purchase cycle (var
  retain_lifecycle). Gaps are counted between distinct purchase days up to the as-of date. The
  expected gap is the customer's mean gap; one-time buyers get the population's mean gap.
  The stage is the first that applies: lapsed, lapsing, reactivated, new, established, active.
-#}
{%- set lapsing_factor = retain_layer_number('retain_lifecycle', 'lapsing_factor') -%}
{%- set lapsed_factor = retain_layer_number('retain_lifecycle', 'lapsed_factor') -%}
{%- set established_min_purchases
    = retain_layer_number('retain_lifecycle', 'established_min_purchases') -%}
{%- set established_min_days = retain_layer_number('retain_lifecycle', 'established_min_days') -%}

with

orders as (
    select * from {{ ref('int_orders_netted_to_returns') }}
),

purchase_days as (
    select distinct
        customer_id,
        order_date
    from orders
    where is_purchase
),

ranked_days as (
    select
        customer_id,
        order_date,
        row_number() over (
            partition by customer_id order by order_date desc
        ) as days_from_last
    from purchase_days
),

per_customer as (
    select
        customer_id,
        count(*) as purchase_days,
        min(order_date) as first_purchase_date,
        max(order_date) as last_purchase_date,
        max(case when days_from_last = 2 then order_date end) as previous_purchase_date
    from ranked_days
    group by customer_id
),

gaps as (
    select
        customer_id,
        purchase_days,
        first_purchase_date,
        last_purchase_date,
        previous_purchase_date,
        {{ dbt.datediff('last_purchase_date', retain_as_of(), 'day') }} as days_since_last_purchase,
        {{ dbt.datediff('first_purchase_date', retain_as_of(), 'day') }}
            as days_since_first_purchase,
        case
            when purchase_days >= 2
                then
                    cast(
                        {{ dbt.datediff('first_purchase_date', 'last_purchase_date', 'day') }}
                        as {{ retain_type_double() }}
                    ) / (purchase_days - 1)
        end as own_gap_days,
        -- the expected gap before the last purchase, to tell a comeback from a regular purchase
        case
            when purchase_days >= 3
                then
                    cast(
                        {{ dbt.datediff('first_purchase_date', 'previous_purchase_date', 'day') }}
                        as {{ retain_type_double() }}
                    ) / (purchase_days - 2)
        end as own_gap_before_last_days,
        {{ dbt.datediff('previous_purchase_date', 'last_purchase_date', 'day') }}
            as last_gap_days
    from per_customer
),

population as (
    select avg(own_gap_days) as population_gap_days
    from gaps
),

expected as (
    select
        gaps.*,
        population.population_gap_days,
        coalesce(gaps.own_gap_days, population.population_gap_days) as expected_gap_days,
        coalesce(gaps.own_gap_before_last_days, population.population_gap_days)
            as expected_gap_before_last_days
    from gaps
    cross join population
),

final as (
    select
        customer_id,
        purchase_days,
        first_purchase_date,
        last_purchase_date,
        previous_purchase_date,
        days_since_last_purchase,
        last_gap_days,
        own_gap_days is null as is_gap_from_population,
        expected_gap_days,
        case
            when expected_gap_days > 0
                then
                    cast(days_since_last_purchase as {{ retain_type_double() }})
                    / expected_gap_days
        end as cycles_since_last_purchase,
        case
            when expected_gap_days is null
                then case when purchase_days = 1 then 'new' else 'active' end
            when days_since_last_purchase > {{ lapsed_factor }} * expected_gap_days
                then 'lapsed'
            when days_since_last_purchase > {{ lapsing_factor }} * expected_gap_days
                then 'lapsing'
            when last_gap_days > {{ lapsed_factor }} * expected_gap_before_last_days
                then 'reactivated'
            when purchase_days = 1 then 'new'
            when
                purchase_days >= {{ established_min_purchases }}
                and days_since_first_purchase >= {{ established_min_days }}
                then 'established'
            else 'active'
        end as lifecycle_stage
    from expected
)

select * from final
