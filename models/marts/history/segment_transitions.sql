{#-
  The trigger feed: one row per customer whose segment differs from the previous run's.
    moved   - from_segment and to_segment both set and different;
    entered - from_segment null: the customer was not in the previous run (every customer on
              the first run, whose from_as_of_date is then null too);
    left    - to_segment null: in the previous run but not in this one (e.g. an erasure).
  A customer whose segment did not change has no row. Appended run by run and kept through
  --full-refresh; a rerun of an as-of date replaces that date's rows (pre-hook).
-#}
{#- the erasure pre-hook (retain_is_erased) reads it: a dependency dbt must know of -#}
{%- do ref('base_retain__erasure_requests') -%}
{%- set as_of = retain_as_of() -%}

with

history as (
    select * from {{ ref('customer_segments') }}
),

current_run as (
    select * from history
    where as_of_date = {{ as_of }}
),

previous_run as (
    select * from history
    where as_of_date = (
        select max(as_of_date) from history
        where as_of_date < {{ as_of }}
    )
),

moved_or_entered as (
    select
        customer_id,
        previous_segment as from_segment,
        segment as to_segment,
        previous_as_of_date as from_as_of_date,
        case
            when previous_segment is null then 'entered'
            else 'moved'
        end as transition_type
    from current_run
    where previous_segment is null or previous_segment <> segment
),

departed as (
    select
        previous_run.customer_id,
        previous_run.segment as from_segment,
        cast(null as {{ dbt.type_string() }}) as to_segment,
        previous_run.as_of_date as from_as_of_date,
        'left' as transition_type
    from previous_run
    left join current_run
        on previous_run.customer_id = current_run.customer_id
    where current_run.customer_id is null
),

transitions as (
    select * from moved_or_entered
    union all
    select * from departed
),

final as (
    select
        customer_id,
        from_segment,
        to_segment,
        transition_type,
        from_as_of_date,
        {{ as_of }} as to_as_of_date,
        {{ retain_date_timestamp(as_of) }} as transitioned_at
    from transitions
)

select * from final
