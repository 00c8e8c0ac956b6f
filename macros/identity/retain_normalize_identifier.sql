{#-
  The normalized value of an identifier of a given type: emails trimmed and lowercased, phones
  reduced to digits with a leading + kept (as stg_retain__customers does), anything else trimmed.
  An empty result is null.
-#}
{% macro retain_normalize_identifier(type_expression, value_expression) -%}
    case
        when {{ type_expression }} = 'email'
            then nullif(lower(trim({{ value_expression }})), '')
        when {{ type_expression }} = 'phone'
            then case
                when {{ retain_digits_only(value_expression) }} = '' then null
                when trim({{ value_expression }}) like '+%'
                    then {{ dbt.concat(["'+'", retain_digits_only(value_expression)]) }}
                else {{ retain_digits_only(value_expression) }}
            end
        else nullif(trim({{ value_expression }}), '')
    end
{%- endmacro %}
