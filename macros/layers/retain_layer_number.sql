{#-
  A number from a settings var (retain_lifecycle or retain_layers), checked: it must be a
  non-negative number, so nothing but a numeric literal reaches SQL. Defaults: dbt_project.yml.
-#}
{% macro retain_layer_number(var_name, key) %}
  {%- set settings = var(var_name, {}) -%}
  {%- if settings is not mapping or key not in settings -%}
    {{ exceptions.raise_compiler_error(
      "var " ~ var_name ~ "." ~ key ~ ": missing (set it in dbt_project.yml or retain.yml)") }}
  {%- endif -%}
  {%- set value = settings[key] -%}
  {%- if value is boolean or value is not number or value < 0 -%}
    {{ exceptions.raise_compiler_error(
      "var " ~ var_name ~ "." ~ key ~ ": expected a non-negative number, got " ~ value) }}
  {%- endif -%}
  {{- return(value) -}}
{% endmacro %}
