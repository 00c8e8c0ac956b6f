{#-
  The rows of a source an incremental base table re-reads, as a SQL condition on the row's date
  (date_expression, its typed date; null when it did not parse): every row on a full build;
  on an incremental run the rows dated from retain_incremental_start(date_column) on, and every
  row without a date. Rows dated before the start are not read again: a row that arrives later
  than the lookback window is missed until the next --full-refresh (see README, "Scale").
-#}
{% macro retain_incremental_window(date_expression, date_column) -%}
    {%- if is_incremental() -%}
        (
            {{ date_expression }} is null
            or {{ date_expression }}
            >= cast('{{ retain_incremental_start(date_column) }}' as date)
        )
    {%- else -%}
        1 = 1
    {%- endif -%}
{%- endmacro %}

{#-
  The first date an incremental run re-reads (YYYY-MM-DD), the earlier of:
    - the late-arrival lookback: var('retain_incremental_lookback_days') days before this run's
      as-of date, so rows that arrive up to that many days late are still loaded;
    - the first date the table holds a row rejected as event_after_as_of: those rows are
      accepted once the as-of date reaches them, so they are read again.
  Rows dated after this run's as-of date are always at or after the first, so a run whose
  as-of date moves backwards re-reads (and rejects) every row after it: the table then equals a
  full build as of that date.
-#}
{% macro retain_incremental_start(date_column) %}
    {%- set lookback = var('retain_incremental_lookback_days', 3) -%}
    {%- if lookback is not number or lookback < 0 or lookback != (lookback | int) -%}
        {{ exceptions.raise_compiler_error(
            "var retain_incremental_lookback_days must be a whole number of days >= 0 (got '"
            ~ lookback ~ "')"
        ) }}
    {%- endif -%}
    {%- set names = [] -%}
    {%- for column in adapter.get_columns_in_relation(this) -%}
        {%- do names.append(column.name | lower) -%}
    {%- endfor -%}
    {%- if 'row_key' not in names -%}
        {{ exceptions.raise_compiler_error(
            this ~ " was built by an older Retain (no row_key column) and cannot be merged"
            ~ " into; hint: run `retain run --full-refresh` once to rebuild it"
        ) }}
    {%- endif -%}
    {#- retain_as_of() checks the var (and raises on a bad one) -#}
    {%- set as_of_sql = retain_as_of() -%}
    {%- set as_of_text = retain_runtime_var('retain_as_of') -%}
    {%- if as_of_text is none or (as_of_text | string | trim) == '' -%}
        {%- set as_of_date = run_started_at.date() -%}
    {%- else -%}
        {%- set as_of_date = modules.datetime.datetime.strptime(
            as_of_text | string | trim, '%Y-%m-%d').date() -%}
    {%- endif -%}
    {%- set start = (
        as_of_date - modules.datetime.timedelta(days=(lookback | int))
    ).isoformat() -%}
    {%- set first_after = run_query(
        'select min(' ~ date_column ~ ') from ' ~ this
        ~ " where rejection_reason = 'event_after_as_of'"
    ).columns[0].values()[0] -%}
    {%- if first_after is not none and (first_after | string)[:10] < start -%}
        {%- set start = (first_after | string)[:10] -%}
    {%- endif -%}
    {{ return(start) }}
{% endmacro %}
