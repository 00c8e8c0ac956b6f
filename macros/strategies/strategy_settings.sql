{#-
  var('retain_strategies') checked against the configured segments: a mapping from segment name to
  its strategy. Every segment needs exactly one strategy and every strategy a configured segment;
  text fields are non-empty strings, max_incentive_depth_pct a number from 0 to 100,
  human_outreach and suppress_paid true or false.
-#}
{% macro strategy_settings(segments) %}
  {%- set fail = exceptions.raise_compiler_error -%}
  {%- set strategies = var('retain_strategies') -%}
  {%- if strategies is string or strategies is mapping or strategies is not iterable -%}
    {{ fail("var retain_strategies: expected a list of strategies, got " ~ strategies) }}
  {%- endif -%}
  {%- set names = segments | map(attribute='name') | list -%}
  {%- set text_fields = [
    'objective', 'core_message', 'primary_channel', 'cadence', 'incentive_type',
  ] -%}
  {%- set by_segment = {} -%}
  {%- for strategy in strategies -%}
    {%- set path = "var retain_strategies[" ~ loop.index0 ~ "]" -%}
    {%- if strategy is not mapping -%}
      {{ fail(path ~ ": expected a mapping, got " ~ strategy) }}
    {%- endif -%}
    {%- set segment = strategy.get('segment') -%}
    {%- if segment not in names -%}
      {{ fail(path ~ ".segment: no configured segment named '" ~ segment
        ~ "'; segments: " ~ names | join(', ')) }}
    {%- endif -%}
    {%- if segment in by_segment -%}
      {{ fail(path ~ ".segment: segment '" ~ segment ~ "' has two strategies") }}
    {%- endif -%}
    {%- set path = path ~ " (" ~ segment ~ ")" -%}
    {%- for key in strategy.keys() if key not in text_fields + [
        'segment', 'max_incentive_depth_pct', 'human_outreach', 'suppress_paid'] -%}
      {{ fail(path ~ ": unknown key '" ~ key ~ "'") }}
    {%- endfor -%}
    {%- for key in text_fields -%}
      {%- set value = strategy.get(key) -%}
      {%- if value is not string or value | length == 0 -%}
        {{ fail(path ~ "." ~ key ~ ": expected a non-empty string, got " ~ value) }}
      {%- endif -%}
    {%- endfor -%}
    {%- set depth = strategy.get('max_incentive_depth_pct') -%}
    {%- if depth is not number or depth is boolean or depth < 0 or depth > 100 -%}
      {{ fail(path ~ ".max_incentive_depth_pct: expected a number from 0 to 100, got "
        ~ depth) }}
    {%- endif -%}
    {%- for key in ['human_outreach', 'suppress_paid'] -%}
      {%- if strategy.get(key) is not boolean -%}
        {{ fail(path ~ "." ~ key ~ ": expected true or false, got " ~ strategy.get(key)) }}
      {%- endif -%}
    {%- endfor -%}
    {%- do by_segment.update({segment: strategy}) -%}
  {%- endfor -%}
  {%- for name in names if name not in by_segment -%}
    {{ fail("var retain_strategies: segment '" ~ name ~ "' has no strategy") }}
  {%- endfor -%}
  {{ return(by_segment) }}
{% endmacro %}
