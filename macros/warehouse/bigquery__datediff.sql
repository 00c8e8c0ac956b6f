{#-
  dbt.datediff on BigQuery. Days between dates: date_diff of the two dates counts the same day
  boundaries as dbt-bigquery's datetime_diff of datetimes, and the BigQuery emulator of the tests
  turns a constant date cast to datetime into 1970-01-01. Other parts: dbt-bigquery's form.
-#}
{% macro bigquery__datediff(first_date, second_date, datepart) -%}
    {%- if datepart | lower == 'day' -%}
        date_diff(cast({{ second_date }} as date), cast({{ first_date }} as date), day)
    {%- else -%}
        datetime_diff(
            cast({{ second_date }} as datetime), cast({{ first_date }} as datetime), {{ datepart }}
        )
    {%- endif -%}
{%- endmacro %}
