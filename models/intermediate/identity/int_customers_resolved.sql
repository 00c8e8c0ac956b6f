{#-
  Every known customer id with the customer it resolves to (itself when nothing merged it):
  orders, engagement, creator touchpoints and store visits of merged customer ids roll up to the
  survivor.
-#}
with

resolved as (
    select * from {{ ref('int_identifiers_resolved') }}
),

final as (
    select
        identifier_value as customer_id,
        resolved_customer_id,
        identifier_value = resolved_customer_id as is_survivor,
        component_id,
        component_size
    from resolved
    where identifier_type = 'customer_id'
)

select * from final
