{#-
  Customers grouped by identical (x, t_x, T): what the TypeScript BG/NBD fit reads. A million
  customers collapse to tens of thousands of rows.
-#}
with

statistics as (
    select * from {{ ref('int_clv_customer_statistics') }}
),

final as (
    select
        frequency_x,
        recency_tx,
        age_t,
        count(*) as customers
    from statistics
    group by frequency_x, recency_tx, age_t
)

select * from final
