{#-
  Removes every character that is not a digit. Postgres and DuckDB replace only the first match
  unless given the 'g' flag; Snowflake and BigQuery replace all matches by default.
-#}
{% macro retain_digits_only(expression) -%}
    {{ return(adapter.dispatch('retain_digits_only', 'retain')(expression)) }}
{%- endmacro %}

{% macro default__retain_digits_only(expression) -%}
    regexp_replace({{ expression }}, '[^0-9]', '')
{%- endmacro %}

{% macro duckdb__retain_digits_only(expression) -%}
    regexp_replace({{ expression }}, '[^0-9]', '', 'g')
{%- endmacro %}

{% macro postgres__retain_digits_only(expression) -%}
    regexp_replace({{ expression }}, '[^0-9]', '', 'g')
{%- endmacro %}
