{#-
  The retain_rfm var, checked. A bad value stops compilation with the var path, the value and what
  was expected, so `dbt build` fails before any SQL runs (the CLI checks the same with zod, but the
  project must be safe on its own).
-#}
{% macro rfm_settings() %}
  {%- set rfm = var('retain_rfm') -%}
  {%- if rfm is not mapping -%}
    {{ exceptions.raise_compiler_error(
      "var retain_rfm: expected a mapping, got " ~ rfm) }}
  {%- endif -%}
  {%- set required = [
    'bins', 'method', 'frequency_window_days', 'frequency_measure',
    'monetary_measure', 'weights',
  ] -%}
  {%- for key in required if key not in rfm -%}
    {{ exceptions.raise_compiler_error("var retain_rfm." ~ key ~ " is missing") }}
  {%- endfor -%}

  {%- set bins = rfm['bins'] -%}
  {%- if bins is not integer or bins < 2 -%}
    {{ exceptions.raise_compiler_error(
      "var retain_rfm.bins: expected an integer >= 2, got " ~ bins) }}
  {%- endif -%}

  {%- set window = rfm['frequency_window_days'] -%}
  {%- if window is not integer or window < 1 -%}
    {{ exceptions.raise_compiler_error(
      "var retain_rfm.frequency_window_days: expected an integer >= 1, got " ~ window) }}
  {%- endif -%}

  {%- set choices = {
    'method': ['quantile', 'thresholds'],
    'frequency_measure': ['orders', 'purchase_days'],
    'monetary_measure': ['total', 'average'],
  } -%}
  {%- for key, allowed in choices.items() if rfm[key] not in allowed -%}
    {{ exceptions.raise_compiler_error(
      "var retain_rfm." ~ key ~ ": expected one of " ~ allowed | join(', ')
      ~ ", got " ~ rfm[key]) }}
  {%- endfor -%}

  {%- set weights = rfm['weights'] -%}
  {%- if weights is not mapping -%}
    {{ exceptions.raise_compiler_error(
      "var retain_rfm.weights: expected {recency, frequency, monetary}, got " ~ weights) }}
  {%- endif -%}
  {%- set ns = namespace(total=0) -%}
  {%- for key in ['recency', 'frequency', 'monetary'] -%}
    {%- set weight = weights.get(key) -%}
    {%- if weight is not number or weight is boolean or weight < 0 -%}
      {{ exceptions.raise_compiler_error(
        "var retain_rfm.weights." ~ key ~ ": expected a number >= 0, got " ~ weight) }}
    {%- endif -%}
    {%- set ns.total = ns.total + weight -%}
  {%- endfor -%}
  {%- if ns.total <= 0 -%}
    {{ exceptions.raise_compiler_error(
      "var retain_rfm.weights: at least one weight must be positive") }}
  {%- endif -%}

  {%- set thresholds = rfm.get('thresholds') -%}
  {%- if rfm['method'] == 'thresholds' -%}
    {%- if thresholds is not mapping -%}
      {{ exceptions.raise_compiler_error(
        "var retain_rfm.thresholds: method thresholds needs "
        ~ "{recency_days, frequency, monetary}, got " ~ thresholds) }}
    {%- endif -%}
    {%- for key in ['recency_days', 'frequency', 'monetary'] -%}
      {%- set path = "var retain_rfm.thresholds." ~ key -%}
      {%- set boundaries = thresholds.get(key) -%}
      {%- if boundaries is string or boundaries is not iterable
          or boundaries is mapping or boundaries | length != bins - 1 -%}
        {{ exceptions.raise_compiler_error(
          path ~ ": expected a list of " ~ (bins - 1) ~ " ascending numbers for "
          ~ bins ~ " bins, got " ~ boundaries) }}
      {%- endif -%}
      {%- for boundary in boundaries -%}
        {%- if boundary is not number or boundary is boolean -%}
          {{ exceptions.raise_compiler_error(
            path ~ "[" ~ loop.index0 ~ "]: expected a number, got " ~ boundary) }}
        {%- endif -%}
        {%- if not loop.first and boundary <= loop.previtem -%}
          {{ exceptions.raise_compiler_error(
            path ~ ": boundaries must be strictly ascending, got " ~ boundaries) }}
        {%- endif -%}
      {%- endfor -%}
    {%- endfor -%}
  {%- endif -%}

  {{ return({
    'bins': bins,
    'method': rfm['method'],
    'frequency_window_days': window,
    'frequency_measure': rfm['frequency_measure'],
    'monetary_measure': rfm['monetary_measure'],
    'weights': weights,
    'weight_total': ns.total,
    'thresholds': thresholds,
  }) }}
{% endmacro %}
