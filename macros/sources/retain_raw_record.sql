{#-
  The whole input row as JSON text, built from the named columns. Each warehouse spells
  "row to JSON" differently, hence the dispatch; the default builds the JSON by concatenation.
-#}
{% macro retain_raw_record(column_names) %}
    {{ return(adapter.dispatch('retain_raw_record', 'retain')(column_names)) }}
{% endmacro %}

{#- By hand: {"name":"value",...} with null for a null value, backslashes and quotes escaped. -#}
{% macro default__retain_raw_record(column_names) %}
    {%- set parts = [] -%}
    {%- for name in column_names -%}
        {%- set json_key = '"' ~ name | replace('\\', '\\\\') | replace('"', '\\"') ~ '":' -%}
        {%- set prefix = ('{' if loop.first else ',') ~ json_key -%}
        {%- do parts.append("'" ~ prefix | replace("'", "''") ~ "'") -%}
        {%- set text = 'cast(' ~ retain_quote_column(name) ~ ' as ' ~ dbt.type_string() ~ ')' -%}
        {%- set escaped = "replace(replace(" ~ text ~ ", '\\', '\\\\'), '\"', '\\\"')" -%}
        {%- do parts.append('coalesce(' ~ dbt.concat(["'\"'", escaped, "'\"'"]) ~ ", 'null')") -%}
    {%- endfor -%}
    {%- do parts.append("'}'") -%}
    {{ dbt.concat(parts) }}
{%- endmacro %}

{% macro duckdb__retain_raw_record(column_names) %}
    cast(to_json(struct_pack(
        {%- for name in column_names %}
        {{ retain_quote_column(name) }} := {{ retain_quote_column(name) }}{{ ',' if not loop.last }}
        {%- endfor %}
    )) as varchar)
{%- endmacro %}

{% macro postgres__retain_raw_record(column_names) %}
    cast(json_build_object(
        {%- for name in column_names %}
        '{{ name | replace("'", "''") }}', {{ retain_quote_column(name) }}{{ ',' if not loop.last }}
        {%- endfor %}
    ) as text)
{%- endmacro %}

{#- Snowflake folds unquoted names to upper case where the others fold to lower case: an
    all-upper-case column name is keyed in lower case, so a raw record reads alike everywhere. -#}
{% macro snowflake__retain_raw_record(column_names) %}
    to_json(object_construct_keep_null(
        {%- for name in column_names %}
        {%- set key = name | lower if name == name | upper else name %}
        '{{ key | replace("'", "''") }}', {{ retain_quote_column(name) }}{{ ',' if not loop.last }}
        {%- endfor %}
    ))
{%- endmacro %}

{% macro bigquery__retain_raw_record(column_names) %}
    to_json_string(struct(
        {%- for name in column_names %}
        {{ retain_quote_column(name) }} as {{ retain_quote_column(name) }}{{ ',' if not loop.last }}
        {%- endfor %}
    ))
{%- endmacro %}
