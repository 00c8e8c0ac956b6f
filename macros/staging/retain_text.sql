{#- A text value trimmed, with empty strings as null. -#}
{% macro retain_text(expression) -%}
    nullif(trim({{ expression }}), '')
{%- endmacro %}
