-- Every input row that staging rejected, from every source, with the reason: nothing is
-- dropped silently. For each source, input rows = accepted (stg_retain__<source>) + rejected
-- (test/dbt/assert_rows_accounted_for.sql).
{%- set sources = retain_source_contract().keys() | list %}
with

{% for source_name in sources -%}
{{ source_name }}_rejected as (
    select
        '{{ source_name }}' as source,
        source_key,
        source_file,
        source_row_number,
        rejection_reason as reason,
        raw_record
    from {{ ref('base_retain__' ~ source_name) }}
    where rejection_reason is not null
),

{% endfor -%}
unioned as (
    {%- for source_name in sources %}
    select * from {{ source_name }}_rejected
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

final as (
    select
        source,
        source_key,
        cast(source_row_number as {{ dbt.type_bigint() }}) as source_row_number,
        source_file,
        reason,
        raw_record,
        {{ retain_as_of() }} as as_of_date
    from unioned
)

select * from final
