{#-
  An optional WHERE clause keeping only the rows named by `only_rows`: a relation or parenthesised
  subquery with columns source_file and source_row_number (rejected_rows passes the rejected
  ones, so the raw record is built for those rows only). Renders nothing when only_rows is none.
-#}
{% macro retain_only_rows_filter(alias, only_rows) -%}
    {%- if only_rows is not none %}
        where exists (
            select 1
            from {{ only_rows }} as wanted_rows
            where
                coalesce(wanted_rows.source_file, '')
                = coalesce({{ alias }}._retain_source_file, '')
                and wanted_rows.source_row_number = {{ alias }}._retain_source_row_number
        )
    {%- endif %}
{%- endmacro %}
