{#-
  The key an incremental base table merges on: one value per input row that stays the same
  from run to run. A row of a file (or of a table loaded from files, which keeps file and line)
  is its position; a row of a table without positions (numbered by content, so the numbers
  shift when rows are added) is its content: the row hash and which copy of it the row is.
  Needs source_file, source_row_number, row_hash and copy_number in scope.
-#}
{% macro retain_row_key() -%}
    coalesce(
        {{ dbt.concat([
            'source_file', "'#'", 'cast(source_row_number as ' ~ dbt.type_string() ~ ')'
        ]) }},
        {{ dbt.concat([
            "'#'", 'cast(row_hash as ' ~ dbt.type_string() ~ ')',
            "'#'", 'cast(copy_number as ' ~ dbt.type_string() ~ ')'
        ]) }}
    )
{%- endmacro %}
