{#-
  One row per audience of the run (var retain_audiences): what retain sync checks before sending,
  so a definition edited in retain.yml since the last run is never synced from a stale build.
-#}
{%- set audiences = audience_settings() -%}

with

{% if audiences | length == 0 %}

-- the filter sits on an outer query: BigQuery refuses a WHERE without a FROM
final as (
    select * from (
        select
            cast(null as {{ dbt.type_string() }}) as audience,
            cast(null as {{ dbt.type_string() }}) as destination,
            cast(null as {{ dbt.type_string() }}) as definition_hash,
            cast(null as {{ dbt.type_float() }}) as holdout_pct,
            cast(null as {{ dbt.type_string() }}) as salt,
            cast(null as date) as as_of_date
    ) as no_rows
    where 1 = 0
)

{% else %}

final as (
    {%- for a in audiences %}
    {%- set at = "var retain_audiences[" ~ loop.index0 ~ "]" %}
    select
        {{ retain_string_literal(a.name, at) }} as audience,
        {{ retain_string_literal(a.destination, at) }} as destination,
        {{ retain_string_literal(a.definition_hash, at) }} as definition_hash,
        cast({{ a.holdout_pct }} as {{ dbt.type_float() }}) as holdout_pct,
        {{ retain_string_literal(a.salt, at) }} as salt,
        {{ retain_as_of() }} as as_of_date
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
)

{% endif %}

select * from final
