{#- The base currency code, checked. -#}
{% macro retain_base_currency() -%}
    {%- set currency = var('retain_currency', {}) or {} -%}
    {%- set base = (currency.get('base', 'USD') or 'USD') | string | upper -%}
    {%- if not modules.re.match('^[A-Z]{3}$', base) -%}
        {{ exceptions.raise_compiler_error(
            "var retain_currency.base must be a 3-letter currency code (got '" ~ base ~ "')"
        ) }}
    {%- endif -%}
    {{ return(base) }}
{%- endmacro %}
