{#-
  The run's as-of date as a SQL date literal. Nothing after this date is read.
  var('retain_as_of') is YYYY-MM-DD (a string or a YAML date); null or empty means today.
  The value is checked here, so a var can never inject SQL.
-#}
{% macro retain_as_of() %}
    {%- set value = retain_runtime_var('retain_as_of') -%}
    {%- if value is none or (value | string | trim) == '' -%}
        current_date
    {%- else -%}
        {%- set text = value | string | trim -%}
        {%- set pattern = '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$' -%}
        {%- if not modules.re.match(pattern, text) -%}
            {{ exceptions.raise_compiler_error(
                "var retain_as_of must be a date written YYYY-MM-DD (got '" ~ text
                ~ "'); hint: pass --vars '{retain_as_of: 2024-06-30}' or null for today"
            ) }}
        {%- endif -%}
        cast('{{ text }}' as date)
    {%- endif -%}
{% endmacro %}
