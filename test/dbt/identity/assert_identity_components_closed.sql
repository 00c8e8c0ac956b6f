-- Label propagation reached its fixed point: no edge of the identity graph joins two components.
with

edges as (
    select * from {{ ref('int_identifier_edges') }}
),

components as (
    select * from {{ ref('int_identifiers_resolved') }}
),

final as (
    select
        edges.node_id,
        edges.neighbor_id,
        node_components.component_id as node_component_id,
        neighbor_components.component_id as neighbor_component_id
    from edges
    inner join components as node_components
        on edges.node_id = node_components.identifier_key
    inner join components as neighbor_components
        on edges.neighbor_id = neighbor_components.identifier_key
    where node_components.component_id <> neighbor_components.component_id
)

select * from final
