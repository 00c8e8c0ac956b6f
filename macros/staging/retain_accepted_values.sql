{#-
  The contract's accepted values of a code column (retain_source_contract) as a SQL list,
  for `column in {{ retain_accepted_values('consents', 'purpose') }}`.
-#}
{% macro retain_accepted_values(source_name, column) -%}
    {{ retain_literal_list(retain_source_contract()[source_name]['accepted_values'][column]) }}
{%- endmacro %}
