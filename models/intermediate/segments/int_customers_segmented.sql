{#-
  Each scored customer's segment: the first configured segment (var retain_segments, in order)
  whose rule matches. The rules are checked and rendered by macros/segments. Rules may use the
  RFM columns and the predictions (null when no model was fitted: a rule on them is then false),
  and the lifecycle stage (models/intermediate/lifecycle).
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
        lifecycle.expected_gap_days
    from scored
    left join predictions
        on scored.customer_id = predictions.customer_id
    left join lifecycle
        on scored.customer_id = lifecycle.customer_id
),

final as (
    select
        customers.*,
        {{ segment_case_sql() }} as segment
    from customers
)

select * from final
