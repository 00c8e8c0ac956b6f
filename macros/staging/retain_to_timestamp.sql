{#-
  A text value as a timestamp without time zone, in UTC, or null when it does not parse.
  Values carrying an offset (Z, +02:00) are converted to UTC; values without one are taken as UTC.
-#}
{% macro retain_to_timestamp(expression) -%}
    {{ return(adapter.dispatch('retain_to_timestamp', 'retain')(expression)) }}
{%- endmacro %}

{% macro default__retain_to_timestamp(expression) -%}
    {{ retain_safe_cast(retain_text(expression), dbt.type_timestamp()) }}
{%- endmacro %}

{#-
  DuckDB: a cast to timestamp silently drops an offset ('10:00+02:00' becomes 10:00), so values
  with an offset after a time of day go through timestamptz and are converted to UTC. Only
  those: timestamptz reads a value without an offset in the session time zone (the machine's),
  and a plain date such as 2024-01-05 must not be mistaken for a time with offset -05.
-#}
{#-
  The regexp is costly, so it runs only on text that could match it: one with a '+', a '-' after
  a ':' or a trailing z/Z (everything else goes straight to the cast, as before).
-#}
{% macro duckdb__retain_to_timestamp(expression) -%}
    case
        when (
            trim({{ expression }}) like '%+%'
            or trim({{ expression }}) like '%:%-%'
            or trim({{ expression }}) like '%z'
            or trim({{ expression }}) like '%Z'
        ) and regexp_matches(
            trim({{ expression }}),
            '[0-9]:[0-9]{2}(:[0-9]{2}([.][0-9]*)?)? ?([zZ]|[+-][0-9]{2}(:?[0-9]{2})?)$'
        )
            then timezone('UTC', try_cast(trim({{ expression }}) as timestamptz))
        else try_cast(nullif(trim({{ expression }}), '') as timestamp)
    end
{%- endmacro %}

{#-
  Postgres: casting to timestamp ignores an offset, so values with one are read as timestamptz
  (absolute, whatever the session time zone) and converted to UTC; both casts are guarded
  (retain_postgres_timestamp_guard), so a value that does not parse is null, never an error.
-#}
{% macro postgres__retain_to_timestamp(expression) -%}
    {%- set text = retain_text(expression) -%}
    case
        when {{ retain_postgres_timestamp_guard(text, with_offset=false) }}
            then cast({{ text }} as timestamp)
        when {{ retain_postgres_timestamp_guard(text, with_offset=true) }}
            then cast({{ text }} as timestamptz) at time zone 'UTC'
    end
{%- endmacro %}

{#-
  Snowflake: a cast to TIMESTAMP (NTZ) ignores an offset, so values with one are read as
  TIMESTAMP_TZ and converted to UTC. Only values of a shape the other warehouses accept are cast
  (retain_timestamp_shape): Snowflake would also read epoch numbers or month names, and fakesnow
  (the tests' Snowflake) turns try_cast to a timestamp into a plain cast that fails on bad text.
-#}
{% macro snowflake__retain_to_timestamp(expression) -%}
    {%- set text = retain_text(expression) -%}
    case
        when regexp_like({{ text }}, '{{ retain_timestamp_shape("offset") }}')
            then cast(
                convert_timezone('UTC', try_cast({{ text }} as timestamp_tz)) as timestamp_ntz
            )
        when regexp_like({{ text }}, '{{ retain_timestamp_shape("plain") }}')
            then try_cast({{ text }} as timestamp_ntz)
    end
{%- endmacro %}
