{#-
  A source that is not configured: no rows, with the same columns as a configured one.
  The filter sits on an outer query because BigQuery refuses a WHERE without a FROM.
-#}
{% macro retain_empty_source(source_name) %}
    {%- set spec = retain_source_contract()[source_name] -%}
    (
        select * from (
            select
                {%- for column in spec.required + spec.optional %}
                cast(null as {{ dbt.type_string() }}) as {{ column }},
                {%- endfor %}
                cast(null as {{ dbt.type_string() }}) as _retain_source_file,
                cast(null as {{ dbt.type_bigint() }}) as _retain_source_row_number,
                cast(null as {{ dbt.type_string() }}) as _retain_row_hash,
                cast(null as {{ dbt.type_string() }}) as _retain_raw_record
        ) as no_rows
        where 1 = 0
    )
{%- endmacro %}
