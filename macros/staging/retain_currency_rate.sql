{#-
  The rate converting an amount in `currency_expression` to the base currency,
  from var('retain_currency').rates; null for a currency without a rate (staging rejects those).
  Codes must be 3 letters and rates positive numbers, so the var cannot inject SQL.
-#}
{% macro retain_currency_rate(currency_expression) -%}
    {%- set currency = var('retain_currency', {}) or {} -%}
    {%- set rates = currency.get('rates', {}) or {} -%}
    {%- set base = retain_base_currency() -%}
    case {{ currency_expression }}
        when '{{ base }}' then cast(1 as {{ dbt.type_numeric() }})
        {%- for code, rate in rates.items() %}
        {%- set code_text = code | string | upper %}
        {%- if not modules.re.match('^[A-Z]{3}$', code_text) %}
            {{ exceptions.raise_compiler_error(
                "var retain_currency.rates: '" ~ code ~ "' is not a 3-letter currency code"
            ) }}
        {%- endif %}
        {%- if rate is not number or rate is boolean or rate <= 0 %}
            {{ exceptions.raise_compiler_error(
                "var retain_currency.rates." ~ code_text ~ " must be a positive number (got '"
                ~ rate ~ "')"
            ) }}
        {%- endif %}
        {%- if code_text != base %}
        when '{{ code_text }}' then cast({{ rate }} as {{ dbt.type_numeric() }})
        {%- endif %}
        {%- endfor %}
    end
{%- endmacro %}
