{#-
  Repeat customers grouped by identical (x, m_x), m_x rounded to cents: what the TypeScript
  Gamma-Gamma fit reads.
-#}
with

statistics as (
    select * from {{ ref('int_clv_customer_statistics') }}
),

final as (
    select
        frequency_x,
        {{ retain_round_double('monetary_mx', 2) }} as monetary_mx,
        count(*) as customers
    from statistics
    where frequency_x > 0 and monetary_mx > 0
    group by frequency_x, {{ retain_round_double('monetary_mx', 2) }}
)

select * from final
