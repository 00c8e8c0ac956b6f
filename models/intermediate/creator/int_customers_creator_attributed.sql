{#-
  Creator influence per purchasing customer (var retain_layers): acquired by a creator when a
  creator touchpoint falls on the first purchase day or at most attribution_days before it (the
  latest such touchpoint is the acquiring one; ties by creator id); the last creator engagement (a
  save, share, affiliate click or a video completed to min_completion_pct) up to the as-of date.
-#}
{%- set attribution_days = retain_layer_number('retain_layers', 'attribution_days') -%}
{%- set min_completion = retain_layer_number('retain_layers', 'min_completion_pct') -%}

with

touchpoints as (
    select * from {{ ref('int_creator_touchpoints_resolved') }}
    where
        customer_id is not null
        and occurred_date <= {{ retain_as_of() }}
),

lifecycle as (
    select * from {{ ref('int_customers_lifecycle') }}
),

acquiring_candidates as (
    select
        lifecycle.customer_id,
        touchpoints.creator_id,
        touchpoints.platform,
        touchpoints.occurred_date,
        row_number() over (
            partition by lifecycle.customer_id
            order by touchpoints.occurred_at desc, touchpoints.creator_id asc
        ) as touchpoint_rank
    from lifecycle
    inner join touchpoints
        on lifecycle.customer_id = touchpoints.customer_id
    where
        touchpoints.occurred_date <= lifecycle.first_purchase_date
        and {{ dbt.datediff('touchpoints.occurred_date', 'lifecycle.first_purchase_date', 'day') }}
        <= {{ attribution_days }}
),

engagements as (
    select
        customer_id,
        creator_id,
        platform,
        touchpoint_type,
        occurred_date,
        row_number() over (
            partition by customer_id order by occurred_at desc, creator_id asc
        ) as engagement_rank
    from touchpoints
    where
        touchpoint_type in ('save', 'share', 'affiliate_click')
        or (touchpoint_type = 'video_view' and completion_pct >= {{ min_completion }})
),

final as (
    select
        lifecycle.customer_id,
        acquiring.customer_id is not null as is_creator_acquired,
        acquiring.creator_id as acquiring_creator_id,
        acquiring.platform as acquiring_creator_platform,
        engagements.occurred_date as last_creator_engagement_date,
        engagements.creator_id as last_engaged_creator_id,
        engagements.touchpoint_type as last_creator_engagement_type,
        {{ dbt.datediff('engagements.occurred_date', retain_as_of(), 'day') }}
            as days_since_creator_engagement
    from lifecycle
    left join acquiring_candidates as acquiring
        on lifecycle.customer_id = acquiring.customer_id and acquiring.touchpoint_rank = 1
    left join engagements
        on lifecycle.customer_id = engagements.customer_id and engagements.engagement_rank = 1
)

select * from final
