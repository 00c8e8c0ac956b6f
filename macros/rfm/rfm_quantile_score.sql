{#-
  Quantile score: floor((rank - 1) * bins / n) + 1, where rank() orders the rows from worst to best
  and n is the number of rows. rank() gives tied rows the lowest rank of their group, so equal
  values always get equal scores and the result does not depend on row order.
-#}
{% macro rfm_quantile_score(measure, higher_is_better, bins) %}
  {%- set direction = 'asc' if higher_is_better else 'desc' -%}
  cast(
    floor(
      cast(rank() over (order by {{ measure }} {{ direction }}) - 1 as {{ retain_type_double() }})
      * {{ bins }} / count(*) over ()
    ) + 1
    as {{ dbt.type_int() }}
  )
{%- endmacro %}
