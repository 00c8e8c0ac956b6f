{#-
  var('retain_segments') checked and normalized: a non-empty ordered list of
  {name, label, is_priority, when, segment_order}. Names match ^[a-z][a-z0-9_]*$ and are unique;
  label defaults to the name; each `when` tree is checked (and rendered) by segment_rule_sql.
-#}
{% macro segment_settings() %}
  {%- set fail = exceptions.raise_compiler_error -%}
  {%- set segments = var('retain_segments') -%}
  {%- if segments is string or segments is mapping or segments is not iterable
      or segments | length == 0 -%}
    {{ fail("var retain_segments: expected a non-empty list of segments, got " ~ segments) }}
  {%- endif -%}
  {%- set columns = segment_rule_columns() -%}
  {%- set seen = [] -%}
  {%- set normalized = [] -%}
  {%- for segment in segments -%}
    {%- set path = "var retain_segments[" ~ loop.index0 ~ "]" -%}
    {%- if segment is not mapping -%}
      {{ fail(path ~ ": expected {name, label, is_priority, when}, got " ~ segment) }}
    {%- endif -%}
    {%- for key in segment.keys() if key not in ['name', 'label', 'is_priority', 'when'] -%}
      {{ fail(path ~ ": unknown key '" ~ key ~ "'") }}
    {%- endfor -%}
    {%- set name = segment.get('name') -%}
    {%- if name is not string or not modules.re.fullmatch('[a-z][a-z0-9_]*', name) -%}
      {{ fail(path ~ ".name: segment names match ^[a-z][a-z0-9_]*$, got " ~ name) }}
    {%- endif -%}
    {%- if name == 'no_profiling' -%}
      {{ fail(path ~ ".name: no_profiling is the built-in segment of customers who revoked"
        ~ " profiling consent (var retain_no_profiling); choose another name") }}
    {%- endif -%}
    {%- if name in seen -%}
      {{ fail(path ~ ".name: segment '" ~ name ~ "' is defined twice") }}
    {%- endif -%}
    {%- do seen.append(name) -%}
    {%- set path = path ~ " (" ~ name ~ ")" -%}
    {%- set label = segment.get('label', name) -%}
    {%- if label is not string or label | length == 0 -%}
      {{ fail(path ~ ".label: expected a non-empty string, got " ~ label) }}
    {%- endif -%}
    {%- set is_priority = segment.get('is_priority', false) -%}
    {%- if is_priority is not boolean -%}
      {{ fail(path ~ ".is_priority: expected true or false, got " ~ is_priority) }}
    {%- endif -%}
    {%- if 'when' not in segment -%}
      {{ fail(path ~ ".when: missing; the last segment usually has {always: true}") }}
    {%- endif -%}
    {%- do normalized.append({
      'name': name,
      'label': label,
      'is_priority': is_priority,
      'condition_sql': segment_rule_sql(segment['when'], path ~ ".when", columns),
      'segment_order': loop.index,
    }) -%}
  {%- endfor -%}
  {{ return(normalized) }}
{% endmacro %}
