{#-
  Casts, giving null instead of an error when the value does not convert. dbt.safe_cast covers
  Snowflake and BigQuery (try_cast / safe_cast) but falls back to a plain cast on DuckDB, which
  would fail the whole load on one bad value; DuckDB has try_cast. (Postgres has no safe cast:
  dbt.safe_cast is a plain cast there, so a bad value fails the build instead of being rejected.)
-#}
{% macro retain_safe_cast(expression, type) -%}
    {{ return(adapter.dispatch('retain_safe_cast', 'retain')(expression, type)) }}
{%- endmacro %}

{% macro default__retain_safe_cast(expression, type) -%}
    {{ dbt.safe_cast(expression, type) }}
{%- endmacro %}

{% macro duckdb__retain_safe_cast(expression, type) -%}
    try_cast({{ expression }} as {{ type }})
{%- endmacro %}
