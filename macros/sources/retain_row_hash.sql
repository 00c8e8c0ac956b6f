{#-
  A hash of the whole input row (every named column), so staging can find exact copies of a row
  without comparing raw records. Equal rows always get equal hashes. The default hashes the raw
  record text (md5); DuckDB hashes the column values directly (64 bits), which skips building
  the JSON text for every row.
-#}
{% macro retain_row_hash(column_names) %}
    {{ return(adapter.dispatch('retain_row_hash', 'retain')(column_names)) }}
{% endmacro %}

{% macro default__retain_row_hash(column_names) %}
    {{ dbt.hash(retain_raw_record(column_names)) }}
{%- endmacro %}

{% macro duckdb__retain_row_hash(column_names) %}
    hash(
        {%- for name in column_names %}
        {{ retain_quote_column(name) }}{{ ',' if not loop.last }}
        {%- endfor %}
    )
{%- endmacro %}
