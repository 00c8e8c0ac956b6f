{#-
  Fixed-threshold score from bins - 1 ascending boundaries b[0] < b[1] < ...
  Lower is better (recency): value <= b[0] scores bins, <= b[1] scores bins - 1, ..., else 1.
  Higher is better: 1 + the number of boundaries the value is >= to.
-#}
{% macro rfm_threshold_score(measure, higher_is_better, boundaries, bins) %}
  case
  {%- if higher_is_better %}
    {%- for boundary in boundaries | reverse %}
    when {{ measure }} >= {{ boundary }} then {{ bins - loop.index0 }}
    {%- endfor %}
  {%- else %}
    {%- for boundary in boundaries %}
    when {{ measure }} <= {{ boundary }} then {{ bins - loop.index0 }}
    {%- endfor %}
  {%- endif %}
    else 1
  end
{%- endmacro %}
