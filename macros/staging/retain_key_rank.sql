{#-
  1 for the row kept for a natural key, 2, 3 ... for the other rows with that key (rejected as
  duplicate_key). Rows that pass every other rule rank first; among them `order_by` decides,
  by default the last row read (later files and later lines are newer extracts).
  Needs row_rejection_reason and copy_number in scope.
-#}
{% macro retain_key_rank(key_columns, order_by='source_file desc, source_row_number desc') -%}
    row_number() over (
        partition by {{ key_columns | join(', ') }}
        order by
            case
                when row_rejection_reason is null and copy_number = 1 then 0
                else 1
            end,
            {{ order_by }}
    )
{%- endmacro %}
