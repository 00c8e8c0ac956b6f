{#-
  The config of an incremental base table (base_retain__engagement_events, __orders, ...):
  one row per input row, merged on row_key (retain_row_key) with the strategy each warehouse
  has built in, plus the warehouse's clustering or partitioning hints (retain_warehouse_hints).
  date_column is the table's date (occurred_date, order_date). --full-refresh rebuilds it.
  on_schema_change fail: a table built by an older Retain (without row_key) is not merged into
  (retain_incremental_window says to run --full-refresh once).
-#}
{% macro retain_incremental_config(date_column) %}
    {%- set settings = {
        'materialized': 'incremental',
        'unique_key': 'row_key',
        'on_schema_change': 'fail',
        'incremental_strategy': adapter.dispatch(
            'retain_incremental_strategy', 'retain')(),
    } -%}
    {%- if var('retain_warehouse_hints', true) -%}
        {%- do settings.update(
            adapter.dispatch('retain_warehouse_hints', 'retain')(date_column)) -%}
    {%- endif -%}
    {{ return(settings) }}
{% endmacro %}

{#- delete+insert exists on DuckDB, Postgres and Snowflake; BigQuery has merge instead. -#}
{% macro default__retain_incremental_strategy() %}
    {{ return('delete+insert') }}
{% endmacro %}

{% macro bigquery__retain_incremental_strategy() %}
    {{ return('merge') }}
{% endmacro %}
