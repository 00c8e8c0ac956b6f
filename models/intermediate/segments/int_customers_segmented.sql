{#-
  Each scored customer's segment: the first configured segment (var retain_segments, in order)
  whose rule matches. The rules are checked and rendered by macros/segments. Rules may use the
  RFM columns and the predictions (null when no model was fitted: a rule on them is then false),
  and the lifecycle stage (models/intermediate/lifecycle). A customer whose latest profiling
  consent is 'revoked' (int_customers_consented) is in no_profiling, whatever the rules say.
-#}
with

scored as (
    select * from {{ ref('int_customers_scored') }}
),

predictions as (
    select * from {{ ref('int_customers_predicted') }}
),

lifecycle as (
    select * from {{ ref('int_customers_lifecycle') }}
),

consents as (
    select * from {{ ref('int_customers_consented') }}
),

customers as (
    select
        scored.*,
        predictions.p_alive,
        predictions.churn_risk,
        predictions.expected_purchases,
        predictions.expected_revenue,
        predictions.predicted_clv,
        predictions.retention_upside,
        lifecycle.lifecycle_stage,
        lifecycle.expected_gap_days,
        consents.consent_profiling
    from scored
    left join predictions
        on scored.customer_id = predictions.customer_id
    left join lifecycle
        on scored.customer_id = lifecycle.customer_id
    left join consents
        on scored.customer_id = consents.customer_id
),

final as (
    select
        customers.*,
        case
            -- objected to profiling: no behavioural segment (var retain_no_profiling)
            when customers.consent_profiling = 'revoked' then 'no_profiling'
            else {{ segment_case_sql() }}
        end as segment
    from customers
)

select * from final
