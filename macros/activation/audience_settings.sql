{#-
  var('retain_audiences') checked: the audiences the CLI resolved from retain.yml. Names, purposes
  and column names are checked again here (plain identifiers, known purposes) because they become
  SQL; rules are rendered by segment_rule_sql, which checks their columns and literals.
-#}
{% macro audience_settings() %}
  {%- set audiences = var('retain_audiences', []) or [] -%}
  {%- set fail = exceptions.raise_compiler_error -%}
  {%- set plain = '[a-z][a-z0-9_]*' -%}
  {%- for a in audiences -%}
    {%- set at = "var retain_audiences[" ~ loop.index0 ~ "]" -%}
    {%- for key in ['name', 'destination', 'destination_type'] -%}
      {%- if a[key] is not string or not modules.re.fullmatch(plain, a[key]) -%}
        {{ fail(at ~ "." ~ key ~ ": expected a plain lowercase name, got " ~ a[key]) }}
      {%- endif -%}
    {%- endfor -%}
    {%- if a.purpose not in ['email', 'sms', 'push', 'ads', 'profiling', 'location'] -%}
      {{ fail(at ~ ".purpose: unknown purpose " ~ a.purpose) }}
    {%- endif -%}
    {%- for group in ['identifiers', 'fields'] -%}
      {%- for field, column in (a[group] or {}).items() -%}
        {%- if not modules.re.fullmatch('[A-Za-z_][A-Za-z0-9_]*', field)
            or not modules.re.fullmatch('[a-z_][a-z0-9_]*', column) -%}
          {{ fail(at ~ "." ~ group ~ ": bad field or column " ~ field ~ ": " ~ column) }}
        {%- endif -%}
      {%- endfor -%}
    {%- endfor -%}
    {%- for field in a.required_identifiers or [] -%}
      {%- if field not in a.identifiers -%}
        {{ fail(at ~ ".required_identifiers: " ~ field ~ " is not an identifier") }}
      {%- endif -%}
    {%- endfor -%}
    {%- if a.holdout_pct is not number or a.holdout_pct < 0 or a.holdout_pct > 90 -%}
      {{ fail(at ~ ".holdout_pct: expected a number from 0 to 90, got " ~ a.holdout_pct) }}
    {%- endif -%}
    {%- if a.within_days is not number or a.within_days < 1 -%}
      {{ fail(at ~ ".within_days: expected a positive number, got " ~ a.within_days) }}
    {%- endif -%}
  {%- endfor -%}
  {{ return(audiences) }}
{% endmacro %}
