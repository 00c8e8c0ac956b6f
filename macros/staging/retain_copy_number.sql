{#-
  1 for the first copy of an input row, 2, 3 ... for exact copies of it (the same value in every
  input column), in reading order. Copies after the first are rejected as exact_duplicate.
  Rows are grouped by row_hash (retain_row_hash, from retain_source: a hash of every input
  column), which is far cheaper than grouping by the raw JSON text; equal rows always hash alike.
  Needs row_hash in scope.
-#}
{% macro retain_copy_number() -%}
    row_number() over (
        partition by row_hash
        order by source_file, source_row_number
    )
{%- endmacro %}
