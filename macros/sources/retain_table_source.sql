{#-
  A warehouse table as a source. The name comes from configuration, so it is checked against an
  identifier pattern (1 to 3 dot-separated plain identifiers) and then rendered through a dbt
  Relation: it can never inject SQL. Columns are introspected with the adapter, so this works on
  every warehouse.
-#}
{% macro retain_table_source(source_name, table_name, only_rows=none) %}
    {%- set identifier = '[A-Za-z_][A-Za-z0-9_$]*' -%}
    {%- set pattern = '^' ~ identifier ~ '(\\.' ~ identifier ~ '){0,2}$' -%}
    {%- if table_name is not string or not modules.re.match(pattern, table_name) -%}
        {{ exceptions.raise_compiler_error(
            "retain_sources." ~ source_name ~ ".table must be [database.][schema.]table made of"
            ~ " letters, digits, _ and $ (got '" ~ table_name ~ "')"
        ) }}
    {%- endif -%}
    {%- set parts = table_name.split('.') -%}
    {%- if parts | length == 3 -%}
        {%- set relation = api.Relation.create(
            database=parts[0], schema=parts[1], identifier=parts[2]) -%}
    {%- elif parts | length == 2 -%}
        {%- set relation = api.Relation.create(
            database=target.database, schema=parts[0], identifier=parts[1]) -%}
    {%- else -%}
        {%- set relation = api.Relation.create(
            database=target.database, schema=target.schema, identifier=parts[0]) -%}
    {%- endif -%}
    {%- set spec = retain_source_contract()[source_name] -%}
    {%- if execute -%}
        {%- set actual_columns = [] -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- do actual_columns.append(column.name) -%}
        {%- endfor -%}
        {%- if actual_columns | length == 0 -%}
            {{ exceptions.raise_compiler_error(
                "source '" ~ source_name ~ "': table " ~ table_name ~ " was not found (or has no"
                ~ " columns)"
            ) }}
        {%- endif -%}
    {%- else -%}
        {%- set actual_columns = spec.required + spec.optional -%}
    {%- endif -%}
    {#- A table loaded from files by retain (src/warehouse/load.ts) carries each row's file and
        line: use them, so rejected rows point at the same place on every warehouse. -#}
    {%- set position_columns = ['_retain_source_file', '_retain_source_row_number'] -%}
    {%- set data_columns = [] -%}
    {%- for name in actual_columns if (name | lower) not in position_columns -%}
        {%- do data_columns.append(name) -%}
    {%- endfor -%}
    {%- set has_position = (actual_columns | length) - (data_columns | length) == 2 -%}
    {%- if has_position -%}
        {%- set actual_columns = data_columns -%}
    {%- endif -%}
    {%- set matched = retain_source_columns(source_name, 'table ' ~ table_name, actual_columns) -%}
    {%- set present = [] -%}
    {%- for column, actual in matched.items() if actual is not none -%}
        {%- do present.append(actual) -%}
    {%- endfor -%}
    {%- set all_columns = [] -%}
    {%- for name in present + (actual_columns | reject('in', present) | list) -%}
        {%- do all_columns.append(retain_quote_column(name)) -%}
    {%- endfor -%}
    (
        select
            {%- for column, actual in matched.items() %}
            {% if actual is none -%}
            cast(null as {{ dbt.type_string() }}) as {{ column }},
            {%- else -%}
            cast({{ retain_quote_column(actual) }} as {{ dbt.type_string() }}) as {{ column }},
            {%- endif -%}
            {%- endfor %}
            _retain_source_file,
            _retain_source_row_number,
            {{ retain_row_hash(actual_columns) }} as _retain_row_hash,
            {{ retain_raw_record(actual_columns) }} as _retain_raw_record
        from (
            {%- if has_position %}
            select * from {{ relation }}
            {%- else %}
            select
                *,
                cast(null as {{ dbt.type_string() }}) as _retain_source_file,
                {#- A table has no row order: number rows by their content (contract columns
                    first, then the others), which is stable; rows that tie on every column are
                    identical, so rejected_rows finds the same raw record when it re-reads. #}
                row_number() over (
                    order by {{ all_columns | join(', ') }}
                ) as _retain_source_row_number
            from {{ relation }}
            {%- endif %}
        ) as numbered_rows
        {{- retain_only_rows_filter('numbered_rows', only_rows) }}
    )
{%- endmacro %}
