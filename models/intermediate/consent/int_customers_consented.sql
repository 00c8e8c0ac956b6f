{#-
  The latest consent per customer and purpose, as of the as-of date (stg_retain__consents holds
  nothing after it): 'granted', 'revoked', or null when never recorded. When a grant and a
  revocation carry the same timestamp, the revocation wins: a tie must never export someone who
  may have said no.
-#}
with

consents as (
    select * from {{ ref('stg_retain__consents') }}
),

ranked as (
    select
        customer_id,
        purpose,
        status,
        recorded_at,
        row_number() over (
            partition by customer_id, purpose
            order by recorded_at desc, case when status = 'revoked' then 0 else 1 end
        ) as recency_rank
    from consents
),

latest as (
    select
        customer_id,
        purpose,
        status,
        recorded_at
    from ranked
    where recency_rank = 1
),

final as (
    select
        customer_id,
        {%- for purpose in ['email', 'sms', 'push', 'ads', 'profiling', 'location'] %}
        max(case when purpose = '{{ purpose }}' then status end) as consent_{{ purpose }},
        {%- endfor %}
        max(recorded_at) as consent_updated_at
    from latest
    group by customer_id
)

select * from final
