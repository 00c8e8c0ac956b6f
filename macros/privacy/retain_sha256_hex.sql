{#-
  The SHA-256 of a text expression (UTF-8) as 64 lowercase hex digits. Each warehouse spells it
  differently; the default is the sha2 of Snowflake, Databricks and Spark.
-#}
{% macro retain_sha256_hex(expression) -%}
    {{ return(adapter.dispatch('retain_sha256_hex', 'retain')(expression)) }}
{%- endmacro %}

{% macro default__retain_sha256_hex(expression) -%}
    lower(sha2({{ expression }}, 256))
{%- endmacro %}

{% macro duckdb__retain_sha256_hex(expression) -%}
    sha256({{ expression }})
{%- endmacro %}

{% macro postgres__retain_sha256_hex(expression) -%}
    encode(sha256(convert_to({{ expression }}, 'UTF8')), 'hex')
{%- endmacro %}

{% macro bigquery__retain_sha256_hex(expression) -%}
    to_hex(sha256({{ expression }}))
{%- endmacro %}
