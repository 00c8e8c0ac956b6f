{#-
  The edges of the identity graph between identifier keys, in both directions (node_id ->
  neighbor_id; a link seen twice gives its edge twice, which propagation does not mind).
  Collisions (int_identifiers.is_collision) contribute no edge: a shared family tablet or a
  store's checkout email does not merge the customers it is linked to.
-#}
-- a view: the propagation copies it once into its first (temporary) round table
{{ config(materialized='view') }}

with

links as (
    select * from {{ ref('int_identifier_links') }}
),

collisions as (
    select identifier_key
    from {{ ref('int_identifiers') }}
    where is_collision
),

pairs as (
    select
        {{ retain_identifier_key('identifier_type_a', 'identifier_value_a') }} as key_a,
        {{ retain_identifier_key('identifier_type_b', 'identifier_value_b') }} as key_b
    from links
),

kept as (
    select
        key_a,
        key_b
    from pairs
    where
        key_a not in (select collisions.identifier_key from collisions)
        and key_b not in (select collisions.identifier_key from collisions)
),

final as (
    select
        key_a as node_id,
        key_b as neighbor_id
    from kept
    union all
    select
        key_b as node_id,
        key_a as neighbor_id
    from kept
)

select * from final
