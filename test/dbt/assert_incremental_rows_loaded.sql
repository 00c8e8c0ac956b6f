-- Input rows of each source with an incremental base table (retain_incremental_sources) that its
-- base table does not hold, or holds no longer: returns one row per source where the counts
-- differ. An incremental run reads again only the rows dated within the lookback window
-- (var retain_incremental_lookback_days), so a row that arrives later than that is not loaded;
-- a row removed from the source stays loaded. Either way `retain run --full-refresh` rebuilds
-- the table from every input row. A warning, not an error: the run's other results hold.
{{ config(severity='warn') }}
{%- set sources = retain_incremental_sources() %}
with

{% for source_name in sources -%}
{{ source_name }}_counts as (
    select
        '{{ source_name }}' as source,
        (
            select count(*) from {{ retain_source(source_name) }} as input_rows
        ) as input_rows,
        (
            select count(*) from {{ ref('base_retain__' ~ source_name) }}
        ) as loaded_rows
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
        loaded_rows,
        input_rows - loaded_rows as rows_not_loaded
    from counts
    where input_rows != loaded_rows
)

select * from final
