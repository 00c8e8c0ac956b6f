{#-
  Public contract. One row per model parameter of the run's fit: BG/NBD (r, alpha, a, b) and
  Gamma-Gamma (p, q, gamma), with the standard error, the model's log-likelihood, the customers it
  was fitted on, the as-of date and time unit, and whether it converged. A model that was not fitted
  (disabled, degenerate data) has its rows with null values and the reason in `warning`.
-#}
{%- set settings = clv_settings() -%}
{%- set fit = retain_runtime_var('retain_clv_fit') or {} -%}
{%- set models = [('bgnbd', ['r', 'alpha', 'a', 'b']), ('gamma_gamma', ['p', 'q', 'gamma'])] -%}

with

parameters as (
    {%- for model, names in models %}
        {%- set entry = fit.get(model) or {} -%}
        {%- set params = clv_fit(model) -%}
        {%- set errors = entry.get('standard_errors') or {} -%}
        {%- for name in names %}
    select
        {{ retain_string_literal(model, 'clv_model_parameters.model') }} as model,
        {{ retain_string_literal(name, 'clv_model_parameters.parameter') }} as parameter,
        {{ loop.index }} as parameter_order,
        {% if params is none -%}
        cast(null as {{ retain_type_double() }})
        {%- else -%}
        {{ clv_literal(params[name]) }}
        {%- endif %} as parameter_value,
        {% if errors.get(name) is number -%}
        {{ clv_literal(errors[name]) }}
        {%- else -%}
        cast(null as {{ retain_type_double() }})
        {%- endif %} as standard_error,
        {% if entry.get('log_likelihood') is number -%}
        {{ clv_literal(entry['log_likelihood']) }}
        {%- else -%}
        cast(null as {{ retain_type_double() }})
        {%- endif %} as log_likelihood,
        {{ (entry.get('customers') or 0) | int }} as customers,
        {{ 'true' if entry.get('converged') else 'false' }} as is_converged,
        {% if entry.get('warning') -%}
        {{ retain_string_literal(entry['warning'] | string, 'retain_clv_fit.warning') }}
        {%- else -%}
        cast(null as {{ dbt.type_string() }})
        {%- endif %} as warning
            {%- if not (loop.last and model == 'gamma_gamma') %}
    union all
            {%- endif %}
        {%- endfor %}
    {%- endfor %}
),

final as (
    select
        model,
        parameter,
        parameter_order,
        parameter_value,
        standard_error,
        log_likelihood,
        customers,
        is_converged,
        warning,
        {{ retain_string_literal(settings.time_unit, 'retain_predictions.time_unit') }}
            as time_unit,
        {{ retain_as_of() }} as as_of_date
    from parameters
)

select * from final
