{#-
  A 64-bit key of an identifier (type and normalized value), the node id of the identity graph:
  joining and propagating integers is several times cheaper than strings. Keys come from each
  warehouse's own non-cryptographic 64-bit hash; two identifiers sharing a key would be merged,
  so int_identifiers tests that keys are unique (at 10 million identifiers the chance of any
  clash is about 3 in a million).
-#}
{% macro retain_identifier_key(type_expression, value_expression) -%}
    {{ return(adapter.dispatch('retain_identifier_key', 'retain')(
        type_expression, value_expression
    )) }}
{%- endmacro %}

{#- DuckDB and Snowflake: hash() of several values, 64 bits. -#}
{% macro default__retain_identifier_key(type_expression, value_expression) -%}
    hash({{ type_expression }}, {{ value_expression }})
{%- endmacro %}

{% macro postgres__retain_identifier_key(type_expression, value_expression) -%}
    hashtextextended({{ type_expression }} || ':' || {{ value_expression }}, 0)
{%- endmacro %}

{% macro bigquery__retain_identifier_key(type_expression, value_expression) -%}
    farm_fingerprint(concat({{ type_expression }}, ':', {{ value_expression }}))
{%- endmacro %}
