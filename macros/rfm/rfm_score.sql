{#-
  The 1..bins score of one RFM dimension, by the configured method. Higher is better: recency
  scores high when recency_days is low; frequency and monetary score high when the measure is high.
  `measure` is a column of the relation the score is computed over (quantile scores rank over all
  its rows).
-#}
{% macro rfm_score(dimension, measure) %}
  {%- set settings = rfm_settings() -%}
  {%- set higher_is_better = dimension != 'recency' -%}
  {%- if dimension not in ['recency', 'frequency', 'monetary'] -%}
    {{ exceptions.raise_compiler_error("rfm_score: unknown dimension " ~ dimension) }}
  {%- endif -%}
  {%- if settings.method == 'quantile' -%}
    {{ rfm_quantile_score(measure, higher_is_better, settings.bins) }}
  {%- else -%}
    {%- set key = 'recency_days' if dimension == 'recency' else dimension -%}
    {{ rfm_threshold_score(measure, higher_is_better, settings.thresholds[key], settings.bins) }}
  {%- endif -%}
{% endmacro %}
