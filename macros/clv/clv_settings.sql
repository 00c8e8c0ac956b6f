{#-
  The predictions settings (var retain_predictions, defaults in dbt_project.yml) and the fit that the
  retain CLI passes as var retain_clv_fit after fitting BG/NBD and Gamma-Gamma in TypeScript on the
  grouped statistics. Every number is checked here before it is rendered into SQL.
-#}
{% macro clv_settings() %}
    {%- set raw = var('retain_predictions', {}) or {} -%}
    {%- set unit = raw.get('time_unit', 'weeks') -%}
    {%- if unit not in ['days', 'weeks'] -%}
        {{ exceptions.raise_compiler_error("retain_predictions.time_unit must be days or weeks (got '" ~ unit ~ "')") }}
    {%- endif -%}
    {%- set settings = {
        'enabled': raw.get('enabled', true),
        'time_unit': unit,
        'unit_days': 7 if unit == 'weeks' else 1,
        'horizon_days': clv_checked_number(raw.get('horizon_days', 90), 'horizon_days', 1),
        'clv_periods': clv_checked_number(raw.get('clv_periods', 12), 'clv_periods', 1) | int,
        'period_days': clv_checked_number(raw.get('period_days', 30), 'period_days', 1),
        'discount_rate': clv_checked_number(raw.get('discount_rate', 0.01), 'discount_rate', 0),
        'save_rate': clv_checked_number(raw.get('save_rate', 0.2), 'save_rate', 0),
        'cost_per_customer': clv_checked_number(raw.get('cost_per_customer', 5), 'cost_per_customer', 0),
        'budget': none if raw.get('budget') is none else clv_checked_number(raw.get('budget'), 'budget', 0),
        'max_series_terms': clv_checked_number(raw.get('max_series_terms', 4000), 'max_series_terms', 8) | int,
    } -%}
    {{ return(settings) }}
{% endmacro %}

{% macro clv_checked_number(value, name, minimum) %}
    {%- if value is not number or value is boolean or value != value or value < minimum -%}
        {{ exceptions.raise_compiler_error(
            "retain_predictions." ~ name ~ " must be a number >= " ~ minimum ~ " (got '" ~ value ~ "')"
        ) }}
    {%- endif -%}
    {{ return(value) }}
{% endmacro %}

{#- The fitted parameters, or none for a model that was not fitted (disabled, degenerate data). -#}
{% macro clv_fit(model) %}
    {%- set fit = var('retain_clv_fit', none) -%}
    {%- if fit is none or fit.get(model) is none or not fit[model].get('ok', false) -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set names = {'bgnbd': ['r', 'alpha', 'a', 'b'], 'gamma_gamma': ['p', 'q', 'gamma']}[model] -%}
    {%- set params = {} -%}
    {%- for name in names -%}
        {%- set value = fit[model]['params'][name] -%}
        {%- if value is not number or value is boolean or value != value or value <= 0 -%}
            {{ exceptions.raise_compiler_error(
                "retain_clv_fit." ~ model ~ ".params." ~ name ~ " must be a positive number (got '" ~ value ~ "')"
            ) }}
        {%- endif -%}
        {%- do params.update({name: value}) -%}
    {%- endfor -%}
    {{ return(params) }}
{% endmacro %}

{#- A checked number as a double literal. -#}
{% macro clv_literal(value) -%}
    {%- if value is not number or value is boolean or value != value -%}
        {{ exceptions.raise_compiler_error("clv_literal: not a finite number: '" ~ value ~ "'") }}
    {%- endif -%}
    cast({{ '%.17g' | format(value) }} as {{ retain_type_double() }})
{%- endmacro %}
