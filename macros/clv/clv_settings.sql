{#-
  The predictions settings (var retain_predictions, defaults in dbt_project.yml) and the fit that
  the retain CLI passes as var retain_clv_fit after fitting BG/NBD and Gamma-Gamma in TypeScript
  on the
  grouped statistics. Every number is checked here before it is rendered into SQL.
-#}
{% macro clv_settings() %}
    {%- set raw = var('retain_predictions', {}) or {} -%}
    {%- set unit = raw.get('time_unit', 'weeks') -%}
    {%- if unit not in ['days', 'weeks'] -%}
        {{ exceptions.raise_compiler_error(
            "retain_predictions.time_unit must be days or weeks (got '" ~ unit ~ "')"
        ) }}
    {%- endif -%}
    {%- set settings = {
        'enabled': raw.get('enabled', true),
        'time_unit': unit,
        'unit_days': 7 if unit == 'weeks' else 1,
        'horizon_days': clv_setting(raw, 'horizon_days', 90, 1),
        'clv_periods': clv_setting(raw, 'clv_periods', 12, 1) | int,
        'period_days': clv_setting(raw, 'period_days', 30, 1),
        'discount_rate': clv_setting(raw, 'discount_rate', 0.01, 0),
        'save_rate': clv_setting(raw, 'save_rate', 0.2, 0),
        'cost_per_customer': clv_setting(raw, 'cost_per_customer', 5, 0),
        'budget': none if raw.get('budget') is none else clv_setting(raw, 'budget', 0, 0),
        'max_series_terms': clv_setting(raw, 'max_series_terms', 4000, 8) | int,
    } -%}
    {{ return(settings) }}
{% endmacro %}

{% macro clv_setting(raw, name, default, minimum) %}
    {{ return(clv_checked_number(raw.get(name, default), name, minimum)) }}
{% endmacro %}

{% macro clv_checked_number(value, name, minimum) %}
    {%- if value is not number or value is boolean or value != value or value < minimum -%}
        {{ exceptions.raise_compiler_error(
            "retain_predictions." ~ name ~ " must be a number >= " ~ minimum
            ~ " (got '" ~ value ~ "')"
        ) }}
    {%- endif -%}
    {{ return(value) }}
{% endmacro %}

{#- The fitted parameters, or none for a model that was not fitted (disabled, degenerate data). -#}
{% macro clv_fit(model) %}
    {%- set fit = retain_runtime_var('retain_clv_fit') -%}
    {%- set entry = none if fit is none else fit.get(model) -%}
    {%- if entry is none or not entry.get('ok', false) -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set all_names = {'bgnbd': ['r', 'alpha', 'a', 'b'], 'gamma_gamma': ['p', 'q', 'gamma']} -%}
    {%- set names = all_names[model] -%}
    {%- set params = {} -%}
    {%- for name in names -%}
        {%- set value = fit[model]['params'][name] -%}
        {%- if value is not number or value is boolean or value != value or value <= 0 -%}
            {{ exceptions.raise_compiler_error(
                "retain_clv_fit." ~ model ~ ".params." ~ name
                ~ " must be a positive number (got '" ~ value ~ "')"
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
