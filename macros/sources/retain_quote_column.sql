{#-
  A column name from a file header or a table, quoted for the warehouse. Names are data (a CSV
  header may hold any character), so an embedded double quote is doubled; BigQuery, which quotes
  with backticks, allows no quotes in column names at all.
-#}
{% macro retain_quote_column(name) -%}
    {{ adapter.quote(name | replace('"', '""')) }}
{%- endmacro %}
