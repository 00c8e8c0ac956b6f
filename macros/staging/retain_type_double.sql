{#-
  A double-precision float (coordinates, percentages). dbt.type_float() renders `float`, which is
  double precision on Postgres, Snowflake and BigQuery but single precision (real) on DuckDB.
-#}
{% macro retain_type_double() -%}
    {{ return(adapter.dispatch('retain_type_double', 'retain')()) }}
{%- endmacro %}

{% macro default__retain_type_double() -%}
    {{ dbt.type_float() }}
{%- endmacro %}

{% macro duckdb__retain_type_double() -%}
    double
{%- endmacro %}
