{#-
  {{ retain_source('orders') }} renders a parenthesised subquery (give it an alias) over one
  source configured in var('retain_sources'):
    {path: <glob>, format: csv|parquet}  files read by DuckDB (retain_file_source)
    {table: <db.schema.table>}           a warehouse table (retain_table_source)
    not configured                       no rows, with the contract's columns (retain_empty_source)
  Every contract column comes out as text (staging types it and rejects what does not parse),
  missing optional columns as null, plus three bookkeeping columns:
    _retain_source_file        the file a row came from (null for tables)
    _retain_source_row_number  1-based data row within its file (header excluded)
    _retain_row_hash           a hash of the whole input row (retain_row_hash), for exact copies
    _retain_raw_record         the whole input row as JSON text, so a rejected row loses nothing
  only_rows (optional): a relation or parenthesised subquery of (source_file, source_row_number);
  only those rows are read (rejected_rows builds raw records for the rejected rows only).
-#}
{% macro retain_source(source_name, only_rows=none) %}
    {%- set contract = retain_source_contract() -%}
    {%- if source_name not in contract -%}
        {{ exceptions.raise_compiler_error(
            "retain_source: unknown source '" ~ source_name ~ "'; known sources: "
            ~ (contract.keys() | list | join(', '))
        ) }}
    {%- endif -%}
    {%- set sources = var('retain_sources', {}) or {} -%}
    {%- if sources is not mapping -%}
        {{ exceptions.raise_compiler_error(
            "var retain_sources must map source names to {path, format} or {table}"
        ) }}
    {%- endif -%}
    {%- set config = sources.get(source_name) -%}
    {%- if config is none -%}
        {{ retain_empty_source(source_name) }}
    {%- elif config is not mapping -%}
        {{ exceptions.raise_compiler_error(
            "retain_sources." ~ source_name ~ " must be {path: <glob>, format: csv|parquet}"
            ~ " or {table: <database.schema.table>}"
        ) }}
    {%- elif config.get('table') is not none -%}
        {{ retain_table_source(source_name, config.get('table'), only_rows) }}
    {%- elif config.get('path') is not none -%}
        {{ retain_file_source(
            source_name, config.get('path'), config.get('format', 'csv'), only_rows
        ) }}
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "retain_sources." ~ source_name ~ " needs `path` (with `format`) or `table`"
        ) }}
    {%- endif -%}
{% endmacro %}
