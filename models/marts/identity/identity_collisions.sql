{#-
  Identifiers that identity resolution refused to merge through: each is directly linked to more
  distinct customer ids than retain_identity.max_customers_per_identifier (a shared family
  tablet, a store's checkout email). The customers it links stay apart.
-#}
{%- set max_customers = retain_layer_number('retain_identity', 'max_customers_per_identifier') -%}

with

identifiers as (
    select * from {{ ref('int_identifiers') }}
),

final as (
    select
        identifier_type,
        identifier_value,
        linked_customers,
        {{ max_customers }} as max_customers_per_identifier,
        {{ dbt.concat([
            "'linked to '",
            dbt.cast('linked_customers', dbt.type_string()),
            "' customer ids, more than the limit of " ~ max_customers
                ~ " (identity.max_customers_per_identifier): not merged'",
        ]) }} as reason,
        {{ retain_as_of() }} as as_of_date
    from identifiers
    where is_collision
)

select * from final
