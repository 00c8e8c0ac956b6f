{#-
  Hour of day (0-23) and weekday (0 = Sunday .. 6 = Saturday) of a timestamp.
  extract(dow) is DuckDB/Postgres; BigQuery and Snowflake number weekdays differently.
-#}
{% macro retain_hour_of(ts) %}
  {{ return(adapter.dispatch('retain_hour_of', 'retain')(ts)) }}
{% endmacro %}

{% macro default__retain_hour_of(ts) %}extract(hour from {{ ts }}){% endmacro %}

{% macro retain_weekday_of(ts) %}
  {{ return(adapter.dispatch('retain_weekday_of', 'retain')(ts)) }}
{% endmacro %}

{% macro default__retain_weekday_of(ts) %}extract(dow from {{ ts }}){% endmacro %}

{% macro bigquery__retain_weekday_of(ts) %}(extract(dayofweek from {{ ts }}) - 1){% endmacro %}

{% macro snowflake__retain_weekday_of(ts) %}dayofweek({{ ts }}){% endmacro %}
