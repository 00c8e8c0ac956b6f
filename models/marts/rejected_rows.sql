-- Every input row that staging rejected, from every source, with the reason: nothing is
-- dropped silently. For each source, input rows = accepted (stg_retain__<source>) + rejected
-- (test/dbt/assert_rows_accounted_for.sql). Base models carry no raw record: it is built here, for
-- the rejected rows only, by reading them again from the source (by file and row number).
-- Rows of erased customers (reason 'erased') keep no personal data: no key, no raw record.
{%- set sources = retain_source_contract().keys() | list %}
with

{% for source_name in sources -%}
{{ source_name }}_rejected_rows as (
    select
        source_key,
        source_file,
        source_row_number,
        rejection_reason
    from {{ ref('base_retain__' ~ source_name) }}
    where rejection_reason is not null
),

{#- The raw record is built here, re-reading only the rejected rows of the source. #}
{{ source_name }}_raw_records as (
    select
        _retain_source_file as source_file,
        _retain_source_row_number as source_row_number,
        _retain_raw_record as raw_record
    from {{ retain_source(source_name, source_name ~ '_rejected_rows') }} as raw_rows
),

{{ source_name }}_rejected as (
    select
        '{{ source_name }}' as source,
        case
            when rejected.rejection_reason <> 'erased' then rejected.source_key
        end as source_key,
        rejected.source_file,
        rejected.source_row_number,
        rejected.rejection_reason as reason,
        case
            when rejected.rejection_reason <> 'erased' then raw_records.raw_record
        end as raw_record
    from {{ source_name }}_rejected_rows as rejected
    left join {{ source_name }}_raw_records as raw_records
        on
            coalesce(rejected.source_file, '') = coalesce(raw_records.source_file, '')
            and rejected.source_row_number = raw_records.source_row_number
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
