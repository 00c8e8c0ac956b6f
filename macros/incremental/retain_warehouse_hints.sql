{#-
  Clustering or partitioning of a large base table, where the warehouse uses it: the per-customer
  windows read it by customer, the incremental filter by date. Returned as model config.
  var('retain_warehouse_hints') false turns them off (the BigQuery emulator does not emulate
  partitioning or clustering).
-#}
{% macro default__retain_warehouse_hints(date_column) %}
    {#- DuckDB: zone maps on every column already; nothing to declare. -#}
    {{ return({}) }}
{% endmacro %}

{% macro snowflake__retain_warehouse_hints(date_column) %}
    {{ return({'cluster_by': ['customer_id']}) }}
{% endmacro %}

{% macro bigquery__retain_warehouse_hints(date_column) %}
    {{ return({
        'partition_by': {'field': date_column, 'data_type': 'date'},
        'cluster_by': ['customer_id'],
    }) }}
{% endmacro %}

{#- Postgres: the merge deletes by row_key; per-customer reads use customer_id. -#}
{% macro postgres__retain_warehouse_hints(date_column) %}
    {{ return({'indexes': [
        {'columns': ['row_key'], 'unique': true},
        {'columns': ['customer_id']},
    ]}) }}
{% endmacro %}
