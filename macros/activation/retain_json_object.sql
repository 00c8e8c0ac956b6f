{#-
  A JSON object as text from (key, sql expression) pairs, keys in the given order. Keys must be
  plain names (checked here as well as in the CLI); expressions are built by the caller from
  checked column names only. Null values stay JSON null.
-#}
{% macro retain_json_object(pairs) %}
  {%- for pair in pairs -%}
    {%- if not modules.re.fullmatch('[A-Za-z_][A-Za-z0-9_]*', pair[0]) -%}
      {{ exceptions.raise_compiler_error("retain_json_object: bad key " ~ pair[0]) }}
    {%- endif -%}
  {%- endfor -%}
  {{- return(adapter.dispatch('retain_json_object', 'retain')(pairs)) -}}
{% endmacro %}

{% macro default__retain_json_object(pairs) %}
  {%- set parts = [] -%}
  {%- for key, expr in pairs -%}
    {%- do parts.append("'" ~ key ~ "', " ~ expr) -%}
  {%- endfor -%}
  {{- return("cast(json_build_object(" ~ parts | join(', ') ~ ") as "
    ~ dbt.type_string() ~ ")") -}}
{% endmacro %}

{% macro duckdb__retain_json_object(pairs) %}
  {%- set parts = [] -%}
  {%- for key, expr in pairs -%}
    {%- do parts.append("'" ~ key ~ "', " ~ expr) -%}
  {%- endfor -%}
  {{- return("cast(json_object(" ~ parts | join(', ') ~ ") as varchar)") -}}
{% endmacro %}

{% macro snowflake__retain_json_object(pairs) %}
  {%- set parts = [] -%}
  {%- for key, expr in pairs -%}
    {%- do parts.append("'" ~ key ~ "', " ~ expr) -%}
  {%- endfor -%}
  {{- return("to_json(object_construct_keep_null(" ~ parts | join(', ') ~ "))") -}}
{% endmacro %}

{% macro bigquery__retain_json_object(pairs) %}
  {%- set parts = [] -%}
  {%- for key, expr in pairs -%}
    {%- do parts.append("'" ~ key ~ "', " ~ expr) -%}
  {%- endfor -%}
  {{- return("to_json_string(json_object(" ~ parts | join(', ') ~ "))") -}}
{% endmacro %}
