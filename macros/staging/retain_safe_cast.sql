{#-
  Casts, giving null instead of an error when the value does not convert. dbt.safe_cast covers
  Snowflake and BigQuery (try_cast / safe_cast) but falls back to a plain cast on DuckDB, which
  would fail the whole load on one bad value; DuckDB has try_cast. Postgres has no safe cast at
  all, so there the value is first matched against the shape the type accepts (a regex guard,
  macros/staging/retain_postgres_guards.sql) and only cast when it fits.
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

{#-
  Postgres: a plain cast raises on the first bad value ('never', 'n/a', '2024-02-30'), which
  would fail the build instead of rejecting the row. Numbers, integers, booleans, dates and
  timestamps are cast only when they match the guard for their type; other types (text) are
  plain casts, which cannot fail.
-#}
{% macro postgres__retain_safe_cast(expression, type) -%}
    {%- set guard = retain_postgres_cast_guard(expression, type) -%}
    {%- if guard is none -%}
        cast({{ expression }} as {{ type }})
    {%- else -%}
        case when {{ guard }} then cast({{ expression }} as {{ type }}) end
    {%- endif -%}
{%- endmacro %}
