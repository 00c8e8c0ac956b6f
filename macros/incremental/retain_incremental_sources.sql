{#-
  The sources whose base table is incremental (retain_incremental_config). Their input rows are
  checked against the base table by test/dbt/assert_incremental_rows_loaded.sql (a warning: a row
  that arrived later than the lookback window waits for --full-refresh), the others by
  test/dbt/assert_rows_accounted_for.sql.
-#}
{% macro retain_incremental_sources() %}
    {{ return(['engagement_events', 'creator_touchpoints', 'store_visits', 'orders']) }}
{% endmacro %}
