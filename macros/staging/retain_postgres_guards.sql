{#-
  Postgres only (see postgres__retain_safe_cast): a boolean SQL condition that is true when the
  text `expression` converts to `type` without an error, or none for types whose cast cannot fail.
  Regexes need no backslashes, so they read the same with standard_conforming_strings on or off.
  Accepted shapes follow DuckDB's try_cast for the values sources hold:
    numbers    [+-]digits[.digits][e[+-]digits], at most precision - scale integer digits
    integers   [+-]digits (at most 18)
    booleans   true/false/t/f/yes/no/y/n/on/off/1/0, any case
    dates      YYYY-M-D or YYYY/M/D
    timestamps a date, then T or a space and H:MM[:SS[.fraction]], optionally Z or +HH[:MM]
  Dates must exist (2024-02-29 yes, 2023-02-29 no): the day is checked against its month by
  arithmetic, nested in a case so that nothing is cast before the check has passed.
-#}
{% macro retain_postgres_cast_guard(expression, type) -%}
    {%- set type_text = type | string | lower | trim -%}
    {%- set number = '[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]{1,2})?' -%}
    {%- if type_text.startswith('numeric') or type_text.startswith('decimal') -%}
        {%- set precision = modules.re.match('^[a-z]+[(] *([0-9]+) *(, *([0-9]+))? *[)]$',
            type_text) -%}
        {%- if precision -%}
            {%- set digits = (precision.group(1) | int) - ((precision.group(3) or 0) | int) -%}
            {%- set integer_part = '[0-9]{1,' ~ digits ~ '}' if digits > 0 else '0?' -%}
            {%- set number = '[+-]?(' ~ integer_part ~ '([.][0-9]*)?|[.][0-9]+)' -%}
        {%- endif -%}
        {{- return("(" ~ expression ~ ") ~ '^" ~ number ~ "$'") -}}
    {%- elif type_text in ['float', 'double precision', 'real', 'float8', 'float4']
        or type_text.startswith('float') -%}
        {{- return("(" ~ expression ~ ") ~ '^" ~ number ~ "$'") -}}
    {%- elif type_text in ['integer', 'int', 'bigint', 'smallint', 'int4', 'int8'] -%}
        {{- return("(" ~ expression ~ ") ~ '^[+-]?[0-9]{1,18}$'") -}}
    {%- elif type_text in ['boolean', 'bool'] -%}
        {{- return("(" ~ expression ~ ") ~* '^(true|false|t|f|yes|no|y|n|on|off|1|0)$'") -}}
    {%- elif type_text == 'date' or type_text.startswith('timestamp') -%}
        {{- return(retain_postgres_timestamp_guard(expression, type_text == 'date')) -}}
    {%- else -%}
        {{- return(none) -}}
    {%- endif -%}
{%- endmacro %}

{% macro retain_postgres_timestamp_guard(expression, date_only=false, with_offset=none) -%}
    {%- if date_only -%}
        {%- set shape = retain_timestamp_shape('date') -%}
    {%- elif with_offset is none -%}
        {%- set shape = retain_timestamp_shape('any') -%}
    {%- elif with_offset -%}
        {%- set shape = retain_timestamp_shape('offset') -%}
    {%- else -%}
        {%- set shape = retain_timestamp_shape('plain') -%}
    {%- endif -%}
    {%- set year = "cast(substring(" ~ expression ~ " from '^([0-9]{4})') as integer)" -%}
    {%- set month = "cast(substring(" ~ expression
        ~ " from '^[0-9]{4}[-/]([0-9]{1,2})') as integer)" -%}
    {%- set day = "cast(substring(" ~ expression
        ~ " from '^[0-9]{4}[-/][0-9]{1,2}[-/]([0-9]{1,2})') as integer)" -%}
    (case
        when ({{ expression }}) ~ '{{ shape }}'
            then case
                when {{ month }} between 1 and 12 and {{ day }} between 1 and (case
                    when {{ month }} in (4, 6, 9, 11) then 30
                    when {{ month }} <> 2 then 31
                    when {{ year }} % 4 = 0 and ({{ year }} % 100 <> 0 or {{ year }} % 400 = 0)
                        then 29
                    else 28
                end) and {{ year }} >= 1
                    then true
                else false
            end
        else false
    end)
{%- endmacro %}
