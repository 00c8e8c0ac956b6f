{#-
  Every identifier with its connected component and resolved customer. Components come from
  min-label propagation over int_identifier_edges (macros/identity/retain_label_propagation.sql);
  an identifier without links is its own component. The resolved customer is the component's
  survivor, the earliest-seen known customer id (ties by id): the customer id of the component
  with the smallest int_identifiers.customer_rank. Null when the component
  holds no customer id (an anonymous visitor never linked to an account) or the identifier is a
  collision. propagation_passes: the rounds the propagation ran until no link joined two labels;
  graph_links: the links it started from (both constant, for identity_resolution_summary).
-#}
{{ config(post_hook=["drop table if exists {{ retain_label_work_table('labels') }}"]) }}
{%- set max_passes = retain_layer_number('retain_identity', 'max_passes') | int -%}
{%- if execute -%}
    {%- set propagated = retain_label_propagation(ref('int_identifier_edges'), max_passes) -%}
    {%- set labels_relation = propagated.relation -%}
    {%- set passes = propagated.passes -%}
    {%- set links = propagated.links -%}
{%- else -%}
    {%- set labels_relation = ref('int_identifier_edges') -%}
    {%- set passes = 0 -%}
    {%- set links = 0 -%}
{%- endif %}

with

identifiers as (
    select * from {{ ref('int_identifiers') }}
),

labels as (
    select
        node_id,
        {{ 'label' if execute else 'node_id as label' }}
    from {{ labels_relation }}
),

components as (
    select
        identifiers.identifier_key,
        identifiers.customer_rank,
        coalesce(labels.label, identifiers.identifier_key) as component_id
    from identifiers
    left join labels
        on identifiers.identifier_key = labels.node_id
),

sized as (
    select
        component_id,
        count(*) as component_size,
        min(customer_rank) as survivor_rank
    from components
    group by component_id
),

survivors as (
    select
        customer_rank,
        identifier_value as customer_id
    from identifiers
    where is_customer_id
),

final as (
    select
        identifiers.identifier_type,
        identifiers.identifier_value,
        identifiers.identifier_key,
        components.component_id,
        sized.component_size,
        survivors.customer_id as resolved_customer_id,
        identifiers.is_collision,
        identifiers.linked_customers,
        identifiers.first_seen_at,
        {{ passes }} as propagation_passes,
        {{ links }} as graph_links
    from identifiers
    inner join components
        on identifiers.identifier_key = components.identifier_key
    inner join sized
        on components.component_id = sized.component_id
    left join survivors
        on sized.survivor_rank = survivors.customer_rank
)

select * from final
