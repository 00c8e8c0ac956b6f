{#-
  The reason a row is rejected, or null when it is accepted: its first failing row rule
  (row_rejection_reason), else exact_duplicate, else (for sources with a natural key)
  duplicate_key. Needs row_rejection_reason, copy_number and, with has_key, key_rank in scope.
-#}
{% macro retain_rejection_reason(has_key=true) -%}
    coalesce(
        row_rejection_reason,
        case
            when copy_number > 1 then 'exact_duplicate'
            {%- if has_key %}
            when key_rank > 1 then 'duplicate_key'
            {%- endif %}
        end
    )
{%- endmacro %}
