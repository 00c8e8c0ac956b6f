{#-
  1 for the first copy of an input row, 2, 3 ... for exact copies of it (same raw_record, i.e. the
  same value in every input column), in reading order. Copies after the first are rejected as
  exact_duplicate.
-#}
{% macro retain_copy_number() -%}
    row_number() over (
        partition by raw_record
        order by source_file, source_row_number
    )
{%- endmacro %}
