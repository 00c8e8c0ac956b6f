{#-
  A double rounded to `digits` decimals, half away from zero, computed in floating point so that
  every warehouse groups the same values alike (the Gamma-Gamma groups round to cents).
  DuckDB's round(double, n) scales, rounds half away from zero and scales back; Postgres has no
  round(double precision, n) (and round(numeric) would round the exact decimal instead), so it
  spells the same steps out.
-#}
{% macro retain_round_double(expression, digits) -%}
    {%- if digits is not number or digits is boolean or digits < 0 -%}
        {{ exceptions.raise_compiler_error(
            "retain_round_double: digits must be a non-negative whole number (got " ~ digits ~ ")"
        ) }}
    {%- endif -%}
    {{ return(adapter.dispatch('retain_round_double', 'retain')(expression, digits | int)) }}
{%- endmacro %}

{% macro default__retain_round_double(expression, digits) -%}
    round({{ expression }}, {{ digits }})
{%- endmacro %}

{% macro postgres__retain_round_double(expression, digits) -%}
    {%- set scale = 10 ** digits -%}
    (sign({{ expression }}) * floor(abs({{ expression }}) * {{ scale }} + 0.5) / {{ scale }})
{%- endmacro %}

{#-
  Snowflake: the same steps spelled out, so a value at the half rounds as on DuckDB and Postgres
  whatever ROUND does with the binary value of a float (25.825 is stored as 25.82499..: DuckDB
  1.5 scales first and gives 25.83; DuckDB 2, under fakesnow, rounds the stored value: 25.82).
-#}
{% macro snowflake__retain_round_double(expression, digits) -%}
    {{ postgres__retain_round_double(expression, digits) }}
{%- endmacro %}
