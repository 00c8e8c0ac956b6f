{#-
  Location per purchasing customer (var retain_layers): the nearest store to the customer's home
  and its haversine distance (null without a home or stores), store visits in the last visit_days,
  days since the last visit, and moved away: the store the customer visited most (ties: the latest
  visit) is now farther than moved_away_km from home.
-#}
{%- set visit_days = retain_layer_number('retain_layers', 'visit_days') -%}
{%- set moved_away_km = retain_layer_number('retain_layers', 'moved_away_km') -%}

with

lifecycle as (
    select * from {{ ref('int_customers_lifecycle') }}
),

customers as (
    select * from {{ ref('stg_retain__customers') }}
),

stores as (
    select * from {{ ref('stg_retain__stores') }}
    where lat is not null and lon is not null
),

visits as (
    select * from {{ ref('int_store_visits_resolved') }}
    where
        customer_id is not null
        and visit_date <= {{ retain_as_of() }}
),

homes as (
    select
        lifecycle.customer_id,
        customers.home_lat,
        customers.home_lon
    from lifecycle
    inner join customers
        on lifecycle.customer_id = customers.customer_id
    where customers.home_lat is not null and customers.home_lon is not null
),

distances as (
    select
        homes.customer_id,
        stores.store_id,
        {{ retain_haversine_km('homes.home_lat', 'homes.home_lon', 'stores.lat', 'stores.lon') }}
            as distance_km
    from homes
    cross join stores
),

nearest as (
    select
        customer_id,
        store_id,
        distance_km,
        row_number() over (partition by customer_id order by distance_km asc, store_id asc)
            as distance_rank
    from distances
),

visit_counts as (
    select
        customer_id,
        store_id,
        count(*) as visits,
        max(visited_at) as last_visited_at
    from visits
    group by customer_id, store_id
),

most_visited as (
    select
        customer_id,
        store_id,
        row_number() over (
            partition by customer_id order by visits desc, last_visited_at desc, store_id asc
        ) as visit_rank
    from visit_counts
),

visit_summary as (
    select
        customer_id,
        sum(
            case
                when {{ dbt.datediff('visit_date', retain_as_of(), 'day') }} < {{ visit_days }}
                    then 1
                else 0
            end
        ) as store_visits_recent,
        max(visit_date) as last_store_visit_date
    from visits
    group by customer_id
),

final as (
    select
        lifecycle.customer_id,
        nearest.store_id as nearest_store_id,
        nearest.distance_km as distance_to_nearest_store_km,
        coalesce(visit_summary.store_visits_recent, 0) as store_visits_90d,
        visit_summary.last_store_visit_date,
        {{ dbt.datediff('visit_summary.last_store_visit_date', retain_as_of(), 'day') }}
            as days_since_store_visit,
        most_visited.store_id as most_visited_store_id,
        coalesce(most_visited_distance.distance_km > {{ moved_away_km }}, false) as is_moved_away
    from lifecycle
    left join nearest
        on lifecycle.customer_id = nearest.customer_id and nearest.distance_rank = 1
    left join visit_summary
        on lifecycle.customer_id = visit_summary.customer_id
    left join most_visited
        on lifecycle.customer_id = most_visited.customer_id and most_visited.visit_rank = 1
    left join distances as most_visited_distance
        on
            most_visited.customer_id = most_visited_distance.customer_id
            and most_visited.store_id = most_visited_distance.store_id
)

select * from final
