{#- A text value as a number, or null when it does not parse (staging rejects those rows). -#}
{% macro retain_to_number(expression, type=none) -%}
    {{ retain_safe_cast(retain_text(expression), type or dbt.type_numeric()) }}
{%- endmacro %}
