{#-
  The segment of a row: the name of the first configured segment whose rule matches, null when none
  does (a data test fails then; the default rules end with {always: true}). Runs over a relation
  that has every column of var('retain_rule_columns').
-#}
{% macro segment_case_sql() %}
  case
  {%- for segment in segment_settings() %}
    when {{ segment.condition_sql }}
      then {{ retain_string_literal(segment.name, 'segment name') }}
  {%- endfor %}
  end
{%- endmacro %}
