{#-
  The arm of every customer in every holdout experiment (audience + salt), assigned the first time
  the customer is a candidate who would be sent (consent granted, not suppressed, not erased, with
  the required identifiers), and never changed afterwards: appended run by run, kept through
  --full-refresh. The draw is md5(salt:customer_id) (retain_hash_fraction) against holdout_pct;
  segment is the customer's segment when assigned, the stratum of the lift measurement.
-#}
{%- set as_of = retain_as_of() -%}

with

candidates as (
    select * from {{ ref('int_audience_candidates') }}
),

assignable as (
    select
        audience,
        salt,
        customer_id,
        segment,
        holdout_pct,
        holdout_draw
    from candidates
    where
        consent_status = 'granted'
        and not is_erased
        and not is_suppressed
        and not is_missing_identifier
),

{% if is_incremental() %}

new_assignments as (
    select assignable.*
    from assignable
    left join {{ this }} as existing
        on
            assignable.audience = existing.audience
            and assignable.salt = existing.salt
            and assignable.customer_id = existing.customer_id
    where existing.customer_id is null
),

{% else %}

new_assignments as (
    select * from assignable
),

{% endif %}

final as (
    select
        audience,
        salt,
        customer_id,
        segment,
        holdout_draw < holdout_pct / 100.0 as is_holdout,
        holdout_pct,
        holdout_draw,
        {{ as_of }} as assigned_as_of_date
    from new_assignments
)

select * from final
