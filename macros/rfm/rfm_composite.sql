{#-
  Weighted mean of the three scores with retain_rfm.weights, rounded to 2 decimals. The sum is cast
  to numeric first so integer division (Postgres) cannot truncate and round() has a numeric
  argument everywhere; the result is a double so clients read a plain number.
-#}
{% macro rfm_composite(r_score, f_score, m_score) %}
  {%- set settings = rfm_settings() -%}
  {%- set w = settings.weights -%}
  cast(
    round(
      cast(
        {{ w.recency }} * {{ r_score }}
        + {{ w.frequency }} * {{ f_score }}
        + {{ w.monetary }} * {{ m_score }}
        as {{ dbt.type_numeric() }}
      ) / {{ settings.weight_total }},
      2
    )
    as {{ retain_type_double() }}
  )
{%- endmacro %}
