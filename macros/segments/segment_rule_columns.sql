{#-
  var('retain_rule_columns') checked: the columns a segment rule may use and their types
  (number, string or boolean). Column names must be plain lowercase identifiers.
-#}
{% macro segment_rule_columns() %}
  {%- set columns = var('retain_rule_columns') -%}
  {%- if columns is not mapping or columns | length == 0 -%}
    {{ exceptions.raise_compiler_error(
      "var retain_rule_columns: expected a mapping of column name to type, got " ~ columns) }}
  {%- endif -%}
  {%- for name, type in columns.items() -%}
    {%- if name is not string or not modules.re.fullmatch('[a-z_][a-z0-9_]*', name) -%}
      {{ exceptions.raise_compiler_error(
        "var retain_rule_columns: " ~ name ~ " is not a lowercase column name") }}
    {%- endif -%}
    {%- if type not in ['number', 'string', 'boolean'] -%}
      {{ exceptions.raise_compiler_error(
        "var retain_rule_columns." ~ name ~ ": expected number, string or boolean, got "
        ~ type) }}
    {%- endif -%}
  {%- endfor -%}
  {{ return(columns) }}
{% endmacro %}
