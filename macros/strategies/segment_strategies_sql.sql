{#-
  One row per configured segment, in rule order, with its label, priority flag and strategy, then
  the built-in no_profiling segment (no_profiling_segment_row): a union of single-row selects
  (portable where a VALUES list is not). Every text value goes through
  retain_string_literal; numbers and booleans were checked by strategy_settings.
-#}
{% macro segment_strategies_sql() %}
  {%- set segments = segment_settings() -%}
  {%- set strategies = strategy_settings(segments) -%}
  {%- set text = dbt.type_string() -%}
  {%- for segment in segments -%}
    {%- set strategy = strategies[segment.name] -%}
    {%- set path = "var retain_strategies (" ~ segment.name ~ ")" %}
  select
    cast({{ retain_string_literal(segment.name, path) }} as {{ text }}) as segment,
    cast({{ retain_string_literal(segment.label, path ~ '.label') }} as {{ text }})
      as segment_label,
    cast({{ segment.segment_order }} as {{ dbt.type_int() }}) as segment_order,
    cast({{ 'true' if segment.is_priority else 'false' }} as {{ dbt.type_boolean() }})
      as is_priority,
    {%- for key in ['objective', 'core_message', 'primary_channel', 'cadence',
                    'incentive_type'] %}
    cast({{ retain_string_literal(strategy[key], path ~ '.' ~ key) }} as {{ text }})
      as {{ key }},
    {%- endfor %}
    cast({{ strategy.max_incentive_depth_pct }} as {{ retain_type_double() }})
      as max_incentive_depth_pct,
    cast({{ 'true' if strategy.human_outreach else 'false' }} as {{ dbt.type_boolean() }})
      as human_outreach,
    cast({{ 'true' if strategy.suppress_paid else 'false' }} as {{ dbt.type_boolean() }})
      as suppress_paid
  union all
  {%- endfor %}
  {{ no_profiling_segment_row(segments | length + 1) }}
{% endmacro %}
