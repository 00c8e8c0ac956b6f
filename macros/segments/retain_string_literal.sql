{#-
  A SQL string literal for a value that came from configuration. Backslashes and NUL characters are
  refused: Snowflake, BigQuery and MySQL read backslash escapes inside quotes, so with them refused
  the quote-escaping below is complete on every warehouse and a value can never end the literal.
  `path` names where the value came from, for the error message.
-#}
{% macro retain_string_literal(value, path) %}
  {%- if value is not string -%}
    {{ exceptions.raise_compiler_error(path ~ ": expected a string, got " ~ value) }}
  {%- endif -%}
  {%- if '\\' in value or '\x00' in value -%}
    {{ exceptions.raise_compiler_error(
      path ~ ": strings may not contain backslashes or NUL characters, got " ~ value) }}
  {%- endif -%}
  {{- return(adapter.dispatch('retain_string_literal', 'retain')(value)) -}}
{% endmacro %}

{#- Standard SQL: a quote inside a literal is written twice. -#}
{% macro default__retain_string_literal(value) %}
  {{- return("'" ~ value | replace("'", "''") ~ "'") -}}
{% endmacro %}

{#- BigQuery does not accept doubled quotes; it escapes them with a backslash. -#}
{% macro bigquery__retain_string_literal(value) %}
  {{- return("'" ~ value | replace("'", "\\'") ~ "'") -}}
{% endmacro %}
