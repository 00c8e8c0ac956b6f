{#-
  Every pair of identifiers seen together, normalized: the identity_links source, plus each
  customer's email and phone from the customers source. One row per observation (a pair seen
  twice is here twice); self-links and links with an empty side are dropped.
-#}
-- a view: read once by int_identifiers and once by int_identifier_edges; writing every link to
-- disk again would cost more than normalizing it twice
{{ config(materialized='view') }}

with

links as (
    select * from {{ ref('stg_retain__identity_links') }}
),

customers as (
    select * from {{ ref('stg_retain__customers') }}
),

observed as (
    select
        id_type_a as identifier_type_a,
        {{ retain_normalize_identifier('id_type_a', 'id_value_a') }} as identifier_value_a,
        id_type_b as identifier_type_b,
        {{ retain_normalize_identifier('id_type_b', 'id_value_b') }} as identifier_value_b,
        observed_at
    from links
    union all
    select
        'customer_id' as identifier_type_a,
        customer_id as identifier_value_a,
        'email' as identifier_type_b,
        email as identifier_value_b,
        first_seen_at as observed_at
    from customers
    where email is not null
    union all
    select
        'customer_id' as identifier_type_a,
        customer_id as identifier_value_a,
        'phone' as identifier_type_b,
        phone as identifier_value_b,
        first_seen_at as observed_at
    from customers
    where phone is not null
),

final as (
    select
        identifier_type_a,
        identifier_value_a,
        identifier_type_b,
        identifier_value_b,
        observed_at
    from observed
    where
        identifier_value_a is not null
        and identifier_value_b is not null
        and not (
            identifier_type_a = identifier_type_b
            and identifier_value_a = identifier_value_b
        )
)

select * from final
