{#-
  A number in [0, 1) from the first 32 bits of md5(text): the holdout draw. The same function as
  holdoutFraction in src/sync/holdout.ts, so Node and every warehouse agree on each customer's arm.
-#}
{% macro retain_hash_fraction(text_expr) %}
  {{- return(adapter.dispatch('retain_hash_fraction', 'retain')(text_expr)) -}}
{% endmacro %}

{% macro default__retain_hash_fraction(text_expr) %}
  {{- return("(cast(('x' || substr(md5(" ~ text_expr ~ "), 1, 8)) as bit(32)) as bigint)"
    ~ " & 4294967295) / 4294967296.0") -}}
{% endmacro %}

{% macro postgres__retain_hash_fraction(text_expr) %}
  {{- return("((('x' || substr(md5(" ~ text_expr ~ "), 1, 8))::bit(32)::bigint"
    ~ " & 4294967295) / 4294967296.0)") -}}
{% endmacro %}

{% macro duckdb__retain_hash_fraction(text_expr) %}
  {{- return("(cast('0x' || substr(md5(" ~ text_expr ~ "), 1, 8) as bigint)"
    ~ " / 4294967296.0)") -}}
{% endmacro %}

{#- Snowflake: to_number(hex, 'XXXXXXXX') says it shortest, but fakesnow (the tests' Snowflake)
    has no format models, so the eight hex digits are summed by place value (md5 is lower case). -#}
{% macro snowflake__retain_hash_fraction(text_expr) %}
  {%- set digits = [] -%}
  {%- for i in range(8) -%}
    {%- do digits.append("(charindex(substr(md5(" ~ text_expr ~ "), " ~ (i + 1) ~ ", 1), "
      ~ "'0123456789abcdef') - 1) * " ~ (16 ** (7 - i))) -%}
  {%- endfor -%}
  {{- return("((" ~ digits | join(' + ') ~ ") / 4294967296.0)") -}}
{% endmacro %}

{% macro bigquery__retain_hash_fraction(text_expr) %}
  {{- return("(cast(concat('0x', substr(to_hex(md5(" ~ text_expr ~ ")), 1, 8)) as int64)"
    ~ " / 4294967296.0)") -}}
{% endmacro %}
