{#-
  One row per run: the size of the identity graph and what resolution made of it.
-#}
with

resolved as (
    select * from {{ ref('int_identifiers_resolved') }}
),


graph as (
    select
        count(*) as identifiers,
        count(distinct component_id) as components,
        coalesce(max(component_size), 0) as largest_component,
        sum(case when identifier_type = 'customer_id' then 1 else 0 end) as customer_ids,
        sum(
            case
                when
                    identifier_type = 'customer_id'
                    and identifier_value <> resolved_customer_id
                    then 1
                else 0
            end
        ) as merged_customer_ids,
        sum(case when resolved_customer_id is null then 1 else 0 end) as unresolved_identifiers,
        sum(case when is_collision then 1 else 0 end) as collisions
    from resolved
),

runs as (
    select
        coalesce(max(graph_links), 0) as links,
        coalesce(max(propagation_passes), 0) as propagation_passes
    from resolved
),

final as (
    select
        {{ retain_as_of() }} as as_of_date,
        cast(graph.identifiers as {{ dbt.type_bigint() }}) as identifiers,
        cast(runs.links as {{ dbt.type_bigint() }}) as links,
        cast(graph.components as {{ dbt.type_bigint() }}) as components,
        cast(graph.largest_component as {{ dbt.type_bigint() }}) as largest_component,
        cast(graph.customer_ids as {{ dbt.type_bigint() }}) as customer_ids,
        cast(
            graph.customer_ids - graph.merged_customer_ids as {{ dbt.type_bigint() }}
        ) as resolved_customers,
        cast(graph.merged_customer_ids as {{ dbt.type_bigint() }}) as merged_customer_ids,
        cast(graph.unresolved_identifiers as {{ dbt.type_bigint() }}) as unresolved_identifiers,
        cast(graph.collisions as {{ dbt.type_bigint() }}) as collisions,
        cast(runs.propagation_passes as {{ dbt.type_bigint() }}) as propagation_passes
    from graph
    cross join runs
)

select * from final
