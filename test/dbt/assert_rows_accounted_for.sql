-- Input rows = accepted + rejected, for every source: returns one row per source where it does
-- not hold (the test passes when it returns nothing). Input rows are counted straight from the
-- source, so a row lost anywhere in staging shows up here. Exact duplicates count as rejected.
-- An incremental base table (retain_incremental_sources) is counted instead of its source: a row
-- that arrived later than its lookback window is not loaded until --full-refresh, which
-- assert_incremental_rows_loaded reports as a warning.
{%- set sources = retain_source_contract().keys() | list %}
{%- set incremental = retain_incremental_sources() %}
with

{% for source_name in sources -%}
{{ source_name }}_counts as (
    select
        '{{ source_name }}' as source,
        (
            {%- if source_name in incremental %}
            select count(*) from {{ ref('base_retain__' ~ source_name) }}
            {%- else %}
            select count(*) from {{ retain_source(source_name) }} as input_rows
            {%- endif %}
        ) as input_rows,
        (
            select count(*) from {{ ref('stg_retain__' ~ source_name) }}
        ) as accepted_rows,
        (
            select count(*) from {{ ref('rejected_rows') }}
            where source = '{{ source_name }}'
        ) as rejected_rows
),

{% endfor -%}
counts as (
    {%- for source_name in sources %}
    select * from {{ source_name }}_counts
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

final as (
    select
        source,
        input_rows,
        accepted_rows,
        rejected_rows
    from counts
    where input_rows != accepted_rows + rejected_rows
)

select * from final
