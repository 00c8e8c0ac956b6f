{#-
  Every identifier node of the identity graph, one row each: customer ids (customers, orders,
  identity links), normalized emails and phones (customers, identity links), anonymous ids, device
  ids and any other identifier type of the identity links. identifier_key is the node's 64-bit
  key (retain_identifier_key); customer_rank orders the customer ids by when they were first seen
  (ties by value), so a component's survivor is its customer id with the smallest rank.
  An identifier directly linked to more distinct customer ids than
  retain_identity.max_customers_per_identifier is a collision: it merges nothing.
-#}
{%- set max_customers = retain_layer_number('retain_identity', 'max_customers_per_identifier') -%}

with

links as (
    select * from {{ ref('int_identifier_links') }}
),

customers as (
    select * from {{ ref('stg_retain__customers') }}
),

orders as (
    select * from {{ ref('stg_retain__orders') }}
),

sides as (
    select
        identifier_type_a as identifier_type,
        identifier_value_a as identifier_value,
        identifier_type_b as other_type,
        identifier_value_b as other_value,
        observed_at
    from links
    union all
    select
        identifier_type_b as identifier_type,
        identifier_value_b as identifier_value,
        identifier_type_a as other_type,
        identifier_value_a as other_value,
        observed_at
    from links
),

occurrences as (
    select
        identifier_type,
        identifier_value,
        observed_at as seen_at
    from sides
    union all
    select
        'customer_id' as identifier_type,
        customer_id as identifier_value,
        first_seen_at as seen_at
    from customers
    union all
    select
        'customer_id' as identifier_type,
        customer_id as identifier_value,
        min(ordered_at) as seen_at
    from orders
    group by customer_id
),

seen as (
    select
        identifier_type,
        identifier_value,
        min(seen_at) as first_seen_at
    from occurrences
    group by identifier_type, identifier_value
),

linked as (
    select
        identifier_type,
        identifier_value,
        count(distinct other_value) as linked_customers
    from sides
    where other_type = 'customer_id'
    group by identifier_type, identifier_value
),

numbered as (
    select
        seen.identifier_type,
        seen.identifier_value,
        seen.identifier_type = 'customer_id' as is_customer_id,
        seen.first_seen_at,
        coalesce(linked.linked_customers, 0) as linked_customers
    from seen
    left join linked
        on
            seen.identifier_type = linked.identifier_type
            and seen.identifier_value = linked.identifier_value
),

-- customer ids in survivor order (only they are sorted: millions of anonymous ids need no order)
customer_ranks as (
    select
        identifier_type,
        identifier_value,
        row_number() over (
            order by
                case when first_seen_at is null then 1 else 0 end,
                first_seen_at,
                identifier_value
        ) as customer_rank
    from numbered
    where is_customer_id
),

final as (
    select
        {{ retain_identifier_key('numbered.identifier_type', 'numbered.identifier_value') }}
            as identifier_key,
        numbered.identifier_type,
        numbered.identifier_value,
        numbered.is_customer_id,
        customer_ranks.customer_rank,
        numbered.first_seen_at,
        numbered.linked_customers,
        numbered.linked_customers > {{ max_customers }} as is_collision
    from numbered
    left join customer_ranks
        on
            numbered.identifier_type = customer_ranks.identifier_type
            and numbered.identifier_value = customer_ranks.identifier_value
)

select * from final
