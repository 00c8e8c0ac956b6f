{#-
  A date moved by a number of days, months or years, as a date: dbt.dateadd everywhere but
  BigQuery, where dbt-bigquery's form casts the date to a datetime first and the BigQuery
  emulator of the tests turns a constant date cast to datetime into 1970-01-01 (see
  bigquery__datediff). date_add on a date is the plain GoogleSQL spelling and returns a date.
-#}
{% macro retain_date_add(datepart, interval, from_date) -%}
    {{ return(adapter.dispatch('retain_date_add', 'retain')(datepart, interval, from_date)) }}
{%- endmacro %}

{% macro default__retain_date_add(datepart, interval, from_date) -%}
    cast({{ dbt.dateadd(datepart, interval, from_date) }} as date)
{%- endmacro %}

{% macro bigquery__retain_date_add(datepart, interval, from_date) -%}
    date_add(cast({{ from_date }} as date), interval {{ interval }} {{ datepart }})
{%- endmacro %}

{#-
  A date as a timestamp at midnight UTC. BigQuery's timestamp(date) says so by definition; the
  BigQuery emulator of the tests casts a date to a timestamp at midnight in America/Los_Angeles
  (07:00 UTC in summer) instead.
-#}
{% macro retain_date_timestamp(date_expression) -%}
    {{ return(adapter.dispatch('retain_date_timestamp', 'retain')(date_expression)) }}
{%- endmacro %}

{% macro default__retain_date_timestamp(date_expression) -%}
    cast({{ date_expression }} as {{ dbt.type_timestamp() }})
{%- endmacro %}

{% macro bigquery__retain_date_timestamp(date_expression) -%}
    timestamp({{ date_expression }})
{%- endmacro %}
