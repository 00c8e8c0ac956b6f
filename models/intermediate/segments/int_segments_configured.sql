{#-
  One row per configured segment, in rule order: label, priority flag and retention strategy, from
  vars retain_segments and retain_strategies (checked and escaped by macros/strategies).
-#}
with

configured as (
    {{ segment_strategies_sql() }}
),

final as (
    select * from configured
)

select * from final
