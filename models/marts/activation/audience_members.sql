{#-
  One row per audience per selected customer, with eligibility decided here: a member is sent only
  when eligible. exclusion_reason names the first reason that applies, in this order: erased,
  no_consent (the audience's purpose is not 'granted'; never recorded counts as no consent),
  no_profiling (profiling consent revoked, and the audience is not of the no_profiling segment),
  suppressed (suppress_paid strategies on paid destinations, or the audience's suppress_when),
  missing_identifier, holdout (the stored arm of holdout_assignments; holdout members are never
  sent).
-#}
with

candidates as (
    select * from {{ ref('int_audience_candidates') }}
),

assignments as (
    select * from {{ ref('holdout_assignments') }}
),

final as (
    select
        candidates.audience,
        candidates.destination,
        candidates.destination_type,
        candidates.purpose,
        candidates.definition_hash,
        candidates.customer_id,
        candidates.segment,
        candidates.transitioned_on,
        candidates.identifiers,
        candidates.payload,
        candidates.payload_hash,
        candidates.consent_status,
        coalesce(assignments.is_holdout, false) as is_holdout,
        case
            when candidates.is_erased then 'erased'
            when coalesce(candidates.consent_status, 'none') <> 'granted' then 'no_consent'
            when candidates.is_profiling_objected then 'no_profiling'
            when candidates.is_suppressed then 'suppressed'
            when candidates.is_missing_identifier then 'missing_identifier'
            when assignments.is_holdout then 'holdout'
        end as exclusion_reason,
        {{ retain_as_of() }} as as_of_date
    from candidates
    left join assignments
        on
            candidates.audience = assignments.audience
            and candidates.salt = assignments.salt
            and candidates.customer_id = assignments.customer_id
),

eligibility as (
    select
        *,
        exclusion_reason is null as is_eligible
    from final
)

select * from eligibility
