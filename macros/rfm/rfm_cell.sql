{#-
  The RFM cell label, e.g. 'R5F4M3' (6 characters up to 9 bins; 10 bins make 'R10F..').
-#}
{% macro rfm_cell(r_score, f_score, m_score) %}
  {{- dbt.concat([
    "'R'", dbt.cast(r_score, dbt.type_string()),
    "'F'", dbt.cast(f_score, dbt.type_string()),
    "'M'", dbt.cast(m_score, dbt.type_string()),
  ]) -}}
{%- endmacro %}
