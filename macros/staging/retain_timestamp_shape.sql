{#-
  The text shapes a timestamp source value may take, as an anchored regex without backslashes
  (the same in every warehouse's regex dialect): a date YYYY-M-D or YYYY/M/D, then optionally T
  or a space and H:MM[:SS[.fraction]], then optionally Z or +HH[:MM]. `part` picks the pieces:
  'any' (all of the above), 'date' (a date alone), 'offset' (a time with an offset), 'plain' (a
  date with an optional time, no offset). The Postgres guards and the Snowflake cast use it.
-#}
{% macro retain_timestamp_shape(part='any') -%}
    {%- set date_part = '([0-9]{4})[-/]([0-9]{1,2})[-/]([0-9]{1,2})' -%}
    {%- set time_part = '[T ]([01]?[0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]{1,6})?)?' -%}
    {%- set offset_part = ' ?([zZ]|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)' -%}
    {%- set shapes = {
        'date': date_part,
        'any': date_part ~ '(' ~ time_part ~ '(' ~ offset_part ~ ')?)?',
        'offset': date_part ~ time_part ~ offset_part,
        'plain': date_part ~ '(' ~ time_part ~ ')?',
    } -%}
    {%- if part not in shapes -%}
        {{ exceptions.raise_compiler_error("retain_timestamp_shape: unknown part " ~ part) }}
    {%- endif -%}
    {{- return('^' ~ shapes[part] ~ '$') -}}
{%- endmacro %}
