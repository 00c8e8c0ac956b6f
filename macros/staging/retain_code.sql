{#- A code (status, type, channel ...) trimmed and lowercased, with empty strings as null. -#}
{% macro retain_code(expression) -%}
    lower(nullif(trim({{ expression }}), ''))
{%- endmacro %}
