{#-
  exp() whose argument is clamped to [-700, 700]: Postgres raises an error on float underflow and
  overflow where DuckDB returns 0 or infinity. The clamp changes no result that matters at double
  precision (e^-700 is 1e-304).
-#}
{% macro clv_exp(expression) -%}
    exp(least(greatest({{ expression }}, -700), 700))
{%- endmacro %}

{#- Ratio of consecutive terms of the 2F1 series at k + j (columns of int_clv_expected_repeat). -#}
{% macro clv_series_factor(j) -%}
    (hyp_a + k + {{ j }}) * (hyp_b + k + {{ j }})
    / ((hyp_c + k + {{ j }}) * (k + {{ j + 1 }})) * hyp_z
{%- endmacro %}
