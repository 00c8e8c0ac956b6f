{#-
  Matches the columns a source actually has against its contract. Returns a dict
  {contract column: actual column name or none}, matching names case-insensitively, and raises a
  compile error naming the source, where it lives and the column when a required column is
  missing (or when none of a `one_of` group exists).
-#}
{% macro retain_source_columns(source_name, location, actual_columns) %}
    {%- set spec = retain_source_contract()[source_name] -%}
    {%- set by_lower = {} -%}
    {%- for name in actual_columns -%}
        {%- do by_lower.update({name | lower: name}) -%}
    {%- endfor -%}
    {%- set matched = {} -%}
    {%- for column in spec.required + spec.optional -%}
        {%- do matched.update({column: by_lower.get(column)}) -%}
    {%- endfor -%}
    {%- for column in spec.required -%}
        {%- if matched[column] is none -%}
            {{ exceptions.raise_compiler_error(
                "source '" ~ source_name ~ "' (" ~ location ~ ") has no required column '"
                ~ column ~ "'; columns found: " ~ (actual_columns | join(', '))
            ) }}
        {%- endif -%}
    {%- endfor -%}
    {%- for group in spec.one_of -%}
        {%- set found = [] -%}
        {%- for column in group if matched[column] is not none -%}
            {%- do found.append(column) -%}
        {%- endfor -%}
        {%- if found | length == 0 -%}
            {{ exceptions.raise_compiler_error(
                "source '" ~ source_name ~ "' (" ~ location ~ ") needs at least one of the columns "
                ~ (group | join(', ')) ~ "; columns found: " ~ (actual_columns | join(', '))
            ) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(matched) }}
{% endmacro %}
