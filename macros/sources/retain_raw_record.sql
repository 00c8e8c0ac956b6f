{#-
  The whole input row as JSON text, built from the named columns. Each warehouse spells
  "row to JSON" differently, hence the dispatch; the default builds the JSON by concatenation.
-#}
{% macro retain_raw_record(column_names) %}
    {{ return(adapter.dispatch('retain_raw_record', 'retain')(column_names)) }}
{% endmacro %}

{% macro default__retain_raw_record(column_names) %}
    {%- set parts = ["'{'"] -%}
    {%- for name in column_names -%}
        {%- set key = '"' ~ (name | replace('\\', '\\\\') | replace('"', '\\"')) ~ '":' -%}
        {%- set value -%}
            coalesce(
                {{ dbt.concat(["'\"'", "replace(replace(cast(" ~ adapter.quote(name) ~ " as "
                    ~ dbt.type_string() ~ "), '\\', '\\\\'), '\"', '\\\"')", "'\"'"]) }},
                'null'
            )
        {%- endset -%}
        {%- do parts.append("'" ~ (',' if not loop.first else '') ~ (key | replace("'", "''"))
            ~ "'") -%}
        {%- do parts.append(value) -%}
    {%- endfor -%}
    {%- do parts.append("'}'") -%}
    {{ dbt.concat(parts) }}
{%- endmacro %}

{% macro duckdb__retain_raw_record(column_names) %}
    cast(to_json(struct_pack(
        {%- for name in column_names %}
        {{ adapter.quote(name) }} := {{ adapter.quote(name) }}{{ ',' if not loop.last }}
        {%- endfor %}
    )) as varchar)
{%- endmacro %}

{% macro postgres__retain_raw_record(column_names) %}
    cast(json_build_object(
        {%- for name in column_names %}
        '{{ name | replace("'", "''") }}', {{ adapter.quote(name) }}{{ ',' if not loop.last }}
        {%- endfor %}
    ) as text)
{%- endmacro %}

{% macro snowflake__retain_raw_record(column_names) %}
    to_json(object_construct_keep_null(
        {%- for name in column_names %}
        '{{ name | replace("'", "''") }}', {{ adapter.quote(name) }}{{ ',' if not loop.last }}
        {%- endfor %}
    ))
{%- endmacro %}

{% macro bigquery__retain_raw_record(column_names) %}
    to_json_string(struct(
        {%- for name in column_names %}
        {{ adapter.quote(name) }} as {{ adapter.quote(name) }}{{ ',' if not loop.last }}
        {%- endfor %}
    ))
{%- endmacro %}
