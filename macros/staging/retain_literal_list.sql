{#-
  A list of configured values (statuses, event types ...) as a SQL list of string literals,
  lowercased, quotes escaped: `('completed', 'paid')`. Configuration is data, never SQL.
-#}
{% macro retain_literal_list(values) -%}
    {%- if values is string or values is not iterable or values | length == 0 -%}
        {{ exceptions.raise_compiler_error(
            "retain_literal_list expects a non-empty list of values (got " ~ values ~ ")"
        ) }}
    {%- endif -%}
    {%- set literals = [] -%}
    {%- for value in values -%}
        {%- do literals.append("'" ~ (value | string | trim | lower | replace("'", "''")) ~ "'") -%}
    {%- endfor -%}
    ({{ literals | join(', ') }})
{%- endmacro %}
