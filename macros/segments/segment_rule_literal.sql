{#-
  One value of a segment rule as a SQL literal, checked against the column's declared type.
  Numbers are re-checked as text so nothing but digits, a sign, a point and an exponent reaches SQL
  (this also refuses inf and nan); strings go through retain_string_literal.
-#}
{% macro segment_rule_literal(value, column_type, path) %}
  {%- if column_type == 'number' -%}
    {%- set text = value | string -%}
    {%- if value is not number or value is boolean
        or not modules.re.fullmatch('-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?', text) -%}
      {{ exceptions.raise_compiler_error(path ~ ": expected a number, got " ~ value) }}
    {%- endif -%}
    {{- return(text) -}}
  {%- elif column_type == 'boolean' -%}
    {%- if value is not boolean -%}
      {{ exceptions.raise_compiler_error(path ~ ": expected true or false, got " ~ value) }}
    {%- endif -%}
    {{- return('true' if value else 'false') -}}
  {%- else -%}
    {%- if value is not string -%}
      {{ exceptions.raise_compiler_error(path ~ ": expected a string, got " ~ value) }}
    {%- endif -%}
    {{- return(retain_string_literal(value, path)) -}}
  {%- endif -%}
{% endmacro %}
