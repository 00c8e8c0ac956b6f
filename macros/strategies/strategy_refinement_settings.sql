{#-
  var('retain_strategy_refinements') checked and normalized: an ordered list of
  {name, reason, when, set} where `when` is a rule tree over the segment rule columns and
  var('retain_profile_rule_columns') (checked and rendered by segment_rule_sql), and `set`
  overrides some of objective, primary_channel, cadence, incentive_type (strings) and
  max_messages_per_week (a number). For each field the first matching rule that sets it wins.
-#}
{% macro strategy_refinement_columns() %}
  {%- set columns = {} -%}
  {%- do columns.update(segment_rule_columns()) -%}
  {%- set extra = var('retain_profile_rule_columns', {}) -%}
  {%- if extra is not mapping -%}
    {{ exceptions.raise_compiler_error(
      "var retain_profile_rule_columns: expected a mapping of column name to type, got " ~ extra) }}
  {%- endif -%}
  {%- for name, type in extra.items() -%}
    {%- if name is not string or not modules.re.fullmatch('[a-z_][a-z0-9_]*', name) -%}
      {{ exceptions.raise_compiler_error(
        "var retain_profile_rule_columns: " ~ name ~ " is not a lowercase column name") }}
    {%- endif -%}
    {%- if type not in ['number', 'string', 'boolean'] -%}
      {{ exceptions.raise_compiler_error(
        "var retain_profile_rule_columns." ~ name ~ ": expected number, string or boolean, got "
        ~ type) }}
    {%- endif -%}
    {%- do columns.update({name: type}) -%}
  {%- endfor -%}
  {{ return(columns) }}
{% endmacro %}

{% macro strategy_refinement_settings() %}
  {%- set fail = exceptions.raise_compiler_error -%}
  {%- set rules = var('retain_strategy_refinements', []) -%}
  {%- if rules is none -%}{%- set rules = [] -%}{%- endif -%}
  {%- if rules is string or rules is mapping or rules is not iterable -%}
    {{ fail("var retain_strategy_refinements: expected a list of refinements, got " ~ rules) }}
  {%- endif -%}
  {%- set columns = strategy_refinement_columns() -%}
  {%- set string_fields = ['objective', 'primary_channel', 'cadence', 'incentive_type'] -%}
  {%- set seen = [] -%}
  {%- set normalized = [] -%}
  {%- for rule in rules -%}
    {%- set path = "var retain_strategy_refinements[" ~ loop.index0 ~ "]" -%}
    {%- if rule is not mapping -%}
      {{ fail(path ~ ": expected {name, reason, when, set}, got " ~ rule) }}
    {%- endif -%}
    {%- for key in rule.keys() if key not in ['name', 'reason', 'when', 'set'] -%}
      {{ fail(path ~ ": unknown key '" ~ key ~ "'") }}
    {%- endfor -%}
    {%- set name = rule.get('name') -%}
    {%- if name is not string or not modules.re.fullmatch('[a-z][a-z0-9_]*', name) -%}
      {{ fail(path ~ ".name: refinement names match ^[a-z][a-z0-9_]*$, got " ~ name) }}
    {%- endif -%}
    {%- if name in seen -%}
      {{ fail(path ~ ".name: refinement '" ~ name ~ "' is defined twice") }}
    {%- endif -%}
    {%- do seen.append(name) -%}
    {%- set path = path ~ " (" ~ name ~ ")" -%}
    {%- if 'when' not in rule -%}{{ fail(path ~ ".when: missing") }}{%- endif -%}
    {%- set overrides = rule.get('set') -%}
    {%- if overrides is not mapping or overrides | length == 0 -%}
      {{ fail(path ~ ".set: expected a mapping of the fields to override, got " ~ overrides) }}
    {%- endif -%}
    {%- set literals = {} -%}
    {%- for field, value in overrides.items() -%}
      {%- if field in string_fields -%}
        {%- do literals.update({field: retain_string_literal(value, path ~ ".set." ~ field)}) -%}
      {%- elif field == 'max_messages_per_week' -%}
        {%- if value is boolean or value is not number or value < 0 -%}
          {{ fail(path ~ ".set.max_messages_per_week: expected a non-negative number, got "
            ~ value) }}
        {%- endif -%}
        {%- do literals.update({field: value | string}) -%}
      {%- else -%}
        {{ fail(path ~ ".set: unknown field '" ~ field ~ "'; refinements may set "
          ~ (string_fields + ['max_messages_per_week']) | join(', ')) }}
      {%- endif -%}
    {%- endfor -%}
    {%- set reason = rule.get('reason', name) -%}
    {%- do normalized.append({
      'name': name,
      'reason_sql': retain_string_literal(name ~ ': ' ~ reason, path ~ ".reason"),
      'condition_sql': segment_rule_sql(rule['when'], path ~ ".when", columns),
      'literals': literals,
    }) -%}
  {%- endfor -%}
  {{ return(normalized) }}
{% endmacro %}

{#- The case choosing one field: the first matching refinement that sets it, else `default`. -#}
{% macro strategy_refinement_case(rules, field, default) %}
  {%- set applicable = [] -%}
  {%- for rule in rules if field in rule.literals -%}
    {%- do applicable.append(rule) -%}
  {%- endfor -%}
  {%- if applicable | length == 0 -%}
    {{- return(default) -}}
  {%- endif -%}
  {%- set parts = ['case'] -%}
  {%- for rule in applicable -%}
    {%- do parts.append('when ' ~ rule.condition_sql ~ ' then ' ~ rule.literals[field]) -%}
  {%- endfor -%}
  {%- do parts.append('else ' ~ default ~ ' end') -%}
  {{- return(parts | join(' ')) -}}
{% endmacro %}

{#- The reason of that choice: the refinement's name and reason, else `default_reason`. -#}
{% macro strategy_refinement_reason(rules, field, default_reason) %}
  {%- set applicable = [] -%}
  {%- for rule in rules if field in rule.literals -%}
    {%- do applicable.append(rule) -%}
  {%- endfor -%}
  {%- if applicable | length == 0 -%}
    {{- return(default_reason) -}}
  {%- endif -%}
  {%- set parts = ['case'] -%}
  {%- for rule in applicable -%}
    {%- do parts.append('when ' ~ rule.condition_sql ~ ' then ' ~ rule.reason_sql) -%}
  {%- endfor -%}
  {%- do parts.append('else ' ~ default_reason ~ ' end') -%}
  {{- return(parts | join(' ')) -}}
{% endmacro %}
