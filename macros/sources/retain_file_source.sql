{#-
  Files (a glob of CSV or Parquet) as a source. Only DuckDB reads files itself; on other
  warehouses load the files first and configure {table: ...} instead.
-#}
{% macro retain_file_source(source_name, path, format, only_rows=none) %}
    {{ return(adapter.dispatch('retain_file_source', 'retain')(
        source_name, path, format, only_rows)) }}
{% endmacro %}

{% macro default__retain_file_source(source_name, path, format, only_rows=none) %}
    {{ exceptions.raise_compiler_error(
        "source '" ~ source_name ~ "': reading files (path: " ~ path ~ ") needs DuckDB; on "
        ~ target.type ~ " load the files into a table and configure {table: db.schema.table}"
    ) }}
{% endmacro %}

{#-
  DuckDB: CSV is read with every column as text (all_varchar) so that a value that does not parse
  becomes a rejected row in staging instead of failing the whole load; union_by_name lets files of
  one glob differ in column order or optional columns. Columns are introspected at compile time
  (describe ... limit 0) to null-fill missing optional columns and to fail early, with the path,
  when a required one is missing.
-#}
{% macro duckdb__retain_file_source(source_name, path, format, only_rows=none) %}
    {%- if path is not string or path | trim == '' -%}
        {{ exceptions.raise_compiler_error(
            "retain_sources." ~ source_name ~ ".path must be a non-empty file glob"
        ) }}
    {%- endif -%}
    {%- set path_literal = "'" ~ (path | replace("'", "''")) ~ "'" -%}
    {%- if format == 'csv' -%}
        {%- set options = 'all_varchar = true, header = true, union_by_name = true' -%}
        {%- set reader = 'read_csv(' ~ path_literal ~ ', ' ~ options -%}
        {%- set numbered = reader
            ~ ", filename = '_retain_source_file') with ordinality as source_file_rows" -%}
        {%- set row_number_sql = 'ordinality - min(ordinality) over ('
            ~ 'partition by _retain_source_file) + 1' -%}
    {%- elif format == 'parquet' -%}
        {%- set reader = 'read_parquet(' ~ path_literal ~ ', union_by_name = true' -%}
        {%- set numbered = reader ~ ", filename = '_retain_source_file'"
            ~ ", file_row_number = true) as source_file_rows" -%}
        {#- file_row_number already starts at 0 in every file: no window needed. -#}
        {%- set row_number_sql = 'file_row_number + 1' -%}
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "retain_sources." ~ source_name ~ ".format must be csv or parquet (got '"
            ~ format ~ "')"
        ) }}
    {%- endif -%}
    {%- set spec = retain_source_contract()[source_name] -%}
    {%- if execute -%}
        {%- set described = run_query('describe select * from ' ~ reader ~ ') limit 0') -%}
        {%- set actual_columns = described.columns[0].values() | list -%}
    {%- else -%}
        {%- set actual_columns = spec.required + spec.optional -%}
    {%- endif -%}
    {%- set matched = retain_source_columns(source_name, 'path ' ~ path, actual_columns) -%}
    (
        select
            {%- for column, actual in matched.items() %}
            {% if actual is none -%}
            cast(null as varchar) as {{ column }},
            {%- else -%}
            cast({{ retain_quote_column(actual) }} as varchar) as {{ column }},
            {%- endif -%}
            {%- endfor %}
            _retain_source_file,
            _retain_source_row_number,
            {{ retain_row_hash(actual_columns) }} as _retain_row_hash,
            {{ retain_raw_record(actual_columns) }} as _retain_raw_record
        from (
            select
                *,
                cast({{ row_number_sql }} as bigint) as _retain_source_row_number
            from {{ numbered }}
        ) as numbered_rows
        {{- retain_only_rows_filter('numbered_rows', only_rows) }}
    )
{%- endmacro %}
