{#-
  A var that changes from run to run (retain_as_of) or between the phases of one run
  (retain_clv_fit). The CLI passes these in the environment variable RETAIN_RUNTIME_VARS (a JSON
  object), read only when dbt executes, not when it parses: the --vars dbt parses with then stay
  the same, so dbt can reuse its parsed project (partial parsing) instead of parsing it again on
  every call. A model's dependencies must therefore not depend on these values. Without the
  environment variable (a plain `dbt build --vars ...`), var() is used as before.
-#}
{% macro retain_runtime_var(name, default=none) %}
    {%- if execute -%}
        {%- set runtime = fromjson(env_var('RETAIN_RUNTIME_VARS', '{}')) -%}
        {%- if runtime is mapping and name in runtime -%}
            {{ return(runtime[name]) }}
        {%- endif -%}
    {%- endif -%}
    {{ return(var(name, default)) }}
{% endmacro %}
