{#-
  The built-in no_profiling segment: customers whose latest profiling consent is 'revoked' are not
  scored into a behavioural segment (int_customers_segmented puts them here first) and get the
  strategy of var retain_no_profiling, which only sends what needs no profiling. It is always the
  last row of int_segments_configured, after the configured segments; no configured segment may
  take its name.
-#}
{% macro no_profiling_segment_row(segment_order) %}
  {%- set fail = exceptions.raise_compiler_error -%}
  {%- set settings = var('retain_no_profiling') -%}
  {%- if settings is not mapping -%}
    {{ fail("var retain_no_profiling: expected a mapping, got " ~ settings) }}
  {%- endif -%}
  {%- set text_fields = [
    'label', 'objective', 'core_message', 'primary_channel', 'cadence', 'incentive_type',
  ] -%}
  {%- for key in settings.keys() if key not in text_fields + [
      'max_incentive_depth_pct', 'human_outreach', 'suppress_paid'] -%}
    {{ fail("var retain_no_profiling: unknown key '" ~ key ~ "'") }}
  {%- endfor -%}
  {%- set depth = settings.get('max_incentive_depth_pct') -%}
  {%- if depth is boolean or depth is not number or depth < 0 or depth > 100 -%}
    {{ fail("var retain_no_profiling.max_incentive_depth_pct: expected 0 to 100, got " ~ depth) }}
  {%- endif -%}
  {%- for key in ['human_outreach', 'suppress_paid'] -%}
    {%- if settings.get(key) is not boolean -%}
      {{ fail("var retain_no_profiling." ~ key ~ ": expected true or false") }}
    {%- endif -%}
  {%- endfor -%}
  {%- set text = dbt.type_string() -%}
  {%- set path = "var retain_no_profiling" %}
  select
    cast('no_profiling' as {{ text }}) as segment,
    cast({{ retain_string_literal(settings.get('label'), path ~ '.label') }} as {{ text }})
      as segment_label,
    cast({{ segment_order }} as {{ dbt.type_int() }}) as segment_order,
    cast(false as {{ dbt.type_boolean() }}) as is_priority,
    {%- for key in text_fields[1:] %}
    cast({{ retain_string_literal(settings.get(key), path ~ '.' ~ key) }} as {{ text }})
      as {{ key }},
    {%- endfor %}
    cast({{ depth }} as {{ retain_type_double() }}) as max_incentive_depth_pct,
    cast({{ 'true' if settings.human_outreach else 'false' }} as {{ dbt.type_boolean() }})
      as human_outreach,
    cast({{ 'true' if settings.suppress_paid else 'false' }} as {{ dbt.type_boolean() }})
      as suppress_paid
{% endmacro %}
