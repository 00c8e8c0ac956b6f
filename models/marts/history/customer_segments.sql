{#-
  Segment history: one row per customer per as-of date, appended run by run and kept through
  --full-refresh (full_refresh: false). A rerun of an as-of date replaces that date (pre-hook).
  previous_segment is the customer's segment in the previous run: the latest earlier as-of date in
  this table (null when the customer was not in it, or on the first run).
-#}
{#- the erasure pre-hook (retain_is_erased) reads it: a dependency dbt must know of -#}
{%- do ref('base_retain__erasure_requests') -%}
{%- set as_of = retain_as_of() -%}

with

customers as (
    select * from {{ ref('customer_profile') }}
),

{% if is_incremental() %}

history as (
    select * from {{ this }}
),

previous_run as (
    select max(as_of_date) as previous_as_of_date
    from history
    where as_of_date < {{ as_of }}
),

previous_segments as (
    select
        history.customer_id,
        history.segment as previous_segment
    from history
    inner join previous_run
        on history.as_of_date = previous_run.previous_as_of_date
),

{% else %}

previous_run as (
    select cast(null as date) as previous_as_of_date
),

previous_segments as (
    select
        cast(null as {{ dbt.type_string() }}) as customer_id,
        cast(null as {{ dbt.type_string() }}) as previous_segment
    from previous_run
    where 1 = 0
),

{% endif %}

final as (
    select
        customers.customer_id,
        customers.as_of_date,
        customers.segment,
        customers.segment_label,
        customers.is_priority,
        previous_segments.previous_segment,
        previous_run.previous_as_of_date,
        customers.rfm_cell,
        customers.rfm_composite,
        customers.objective,
        customers.primary_channel,
        customers.cadence,
        customers.incentive_type,
        customers.max_incentive_depth_pct,
        customers.human_outreach,
        customers.suppress_paid
    from customers
    cross join previous_run
    left join previous_segments
        on customers.customer_id = previous_segments.customer_id
)

select * from final
