{#-
  Each scored customer's segment: the first configured segment (var retain_segments, in order)
  whose rule matches. The rules are checked and rendered by macros/segments.
-#}
with

customers as (
    select * from {{ ref('int_customers_scored') }}
),

final as (
    select
        customers.*,
        {{ segment_case_sql() }} as segment
    from customers
)

select * from final
