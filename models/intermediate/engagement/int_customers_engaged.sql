{#-
  Engagement per customer up to the as-of date (var retain_layers): email open and click rates over
  the recent and long windows (opens or clicks per delivered email, capped at 1; null without a
  delivery), site and app visit recency and frequency, the trend of all responses (the recent window
  against the trend_prior_days before it, per day), responsiveness per channel, the hour and weekday
  the customer most often responds, and a maximum contact frequency that falls with fatigue.
  A response is any event but email_delivered and unsubscribe.
-#}
{%- set recent_days = retain_layer_number('retain_layers', 'recent_days') -%}
{%- set long_days = retain_layer_number('retain_layers', 'long_days') -%}
{%- set prior_days = retain_layer_number('retain_layers', 'trend_prior_days') -%}
{%- set trend_change = retain_layer_number('retain_layers', 'trend_change') -%}
{%- set fatigue_days = retain_layer_number('retain_layers', 'fatigue_days') -%}
{%- set fatigue_min = retain_layer_number('retain_layers', 'fatigue_min_deliveries') -%}
{%- set max_per_week = retain_layer_number('retain_layers', 'max_messages_per_week') -%}
{%- set low_per_week = retain_layer_number('retain_layers', 'low_response_messages_per_week') -%}
{%- set fatigued_per_week = retain_layer_number('retain_layers', 'fatigued_messages_per_week') -%}
{%- set low_open_rate = retain_layer_number('retain_layers', 'low_response_open_rate') -%}

with

events as (
    select * from {{ ref('int_engagement_events_resolved') }}
),

dated as (
    select
        customer_id,
        event_type,
        occurred_at,
        occurred_date,
        {{ dbt.datediff('occurred_date', retain_as_of(), 'day') }} as age_days,
        event_type not in ('email_delivered', 'unsubscribe') as is_response,
        case
            when event_type in ('email_delivered', 'email_open', 'email_click') then 'email'
            when event_type = 'site_visit' then 'web'
            when event_type = 'app_session' then 'app'
            when event_type = 'push_open' then 'push'
            when event_type = 'sms_click' then 'sms'
        end as response_channel
    from events
    where
        customer_id is not null
        and occurred_date <= {{ retain_as_of() }}
),

counts as (
    select
        customer_id,
        {% for window, days in [('recent', recent_days), ('long', long_days)] -%}
        {% for event in ['email_delivered', 'email_open', 'email_click'] -%}
        sum(case when event_type = '{{ event }}' and age_days < {{ days }} then 1 else 0 end)
            as {{ event }}s_{{ window }},
        {% endfor -%}
        {% endfor -%}
        {% for event in ['site_visit', 'app_session', 'push_open', 'sms_click'] -%}
        sum(case when event_type = '{{ event }}' and age_days < {{ long_days }} then 1 else 0 end)
            as {{ event }}s_long,
        max(case when event_type = '{{ event }}' then occurred_date end) as last_{{ event }}_date,
        {% endfor -%}
        sum(case when is_response and age_days < {{ recent_days }} then 1 else 0 end)
            as responses_recent,
        sum(
            case
                when
                    is_response and age_days >= {{ recent_days }}
                    and age_days < {{ recent_days + prior_days }}
                    then 1
                else 0
            end
        ) as responses_prior,
        sum(
            case
                when event_type = 'email_delivered' and age_days < {{ fatigue_days }} then 1
                else 0
            end
        ) as deliveries_fatigue_window,
        sum(case when is_response and age_days < {{ fatigue_days }} then 1 else 0 end)
            as responses_fatigue_window,
        max(case when is_response then occurred_date end) as last_response_date
    from dated
    group by customer_id
),

-- the most frequent hour and weekday of responses in the long window; ties go to the earliest
hours as (
    select
        customer_id,
        {{ retain_hour_of('occurred_at') }} as response_hour,
        count(*) as responses
    from dated
    where is_response and age_days < {{ long_days }}
    group by customer_id, {{ retain_hour_of('occurred_at') }}
),

top_hour as (
    select
        customer_id,
        response_hour,
        row_number() over (
            partition by customer_id order by responses desc, response_hour asc
        ) as hour_rank
    from hours
),

weekdays as (
    select
        customer_id,
        {{ retain_weekday_of('occurred_at') }} as response_weekday,
        count(*) as responses
    from dated
    where is_response and age_days < {{ long_days }}
    group by customer_id, {{ retain_weekday_of('occurred_at') }}
),

top_weekday as (
    select
        customer_id,
        response_weekday,
        row_number() over (
            partition by customer_id order by responses desc, response_weekday asc
        ) as weekday_rank
    from weekdays
),

channels as (
    select
        customer_id,
        response_channel,
        count(*) as responses
    from dated
    where is_response and age_days < {{ long_days }}
    group by customer_id, response_channel
),

top_channel as (
    select
        customer_id,
        response_channel,
        row_number() over (
            partition by customer_id order by responses desc, response_channel asc
        ) as channel_rank
    from channels
),

rates as (
    select
        counts.*,
        {% for window in ['recent', 'long'] -%}
        {% for event, name in [('email_open', 'open'), ('email_click', 'click')] -%}
        case
            when counts.email_delivereds_{{ window }} > 0
                then least(
                    1.0,
                    cast(counts.{{ event }}s_{{ window }} as {{ retain_type_double() }})
                    / counts.email_delivereds_{{ window }}
                )
        end as email_{{ name }}_rate_{{ window }},
        {% endfor -%}
        {% endfor -%}
        counts.deliveries_fatigue_window >= {{ fatigue_min }}
        and counts.responses_fatigue_window = 0 as is_fatigued
    from counts
),

final as (
    select
        rates.customer_id,
        rates.email_delivereds_recent as emails_delivered_30d,
        rates.email_delivereds_long as emails_delivered_90d,
        rates.email_open_rate_recent as email_open_rate_30d,
        rates.email_click_rate_recent as email_click_rate_30d,
        rates.email_open_rate_long as email_open_rate_90d,
        rates.email_click_rate_long as email_click_rate_90d,
        rates.site_visits_long as site_visits_90d,
        rates.app_sessions_long as app_sessions_90d,
        rates.push_opens_long as push_opens_90d,
        rates.sms_clicks_long as sms_clicks_90d,
        {{ dbt.datediff('rates.last_site_visit_date', retain_as_of(), 'day') }}
            as days_since_site_visit,
        {{ dbt.datediff('rates.last_app_session_date', retain_as_of(), 'day') }}
            as days_since_app_session,
        {{ dbt.datediff('rates.last_response_date', retain_as_of(), 'day') }}
            as days_since_engagement,
        rates.responses_recent as responses_30d,
        rates.responses_prior as responses_prior_60d,
        case
            when rates.responses_recent = 0 and rates.responses_prior = 0 then 'none'
            when
                cast(rates.responses_recent as {{ retain_type_double() }}) / {{ recent_days }}
                > (1 + {{ trend_change }}) * rates.responses_prior / {{ prior_days }}
                then 'rising'
            when
                cast(rates.responses_recent as {{ retain_type_double() }}) / {{ recent_days }}
                < (1 - {{ trend_change }}) * rates.responses_prior / {{ prior_days }}
                then 'falling'
            else 'steady'
        end as engagement_trend,
        top_channel.response_channel as most_responsive_channel,
        top_hour.response_hour as preferred_send_hour,
        top_weekday.response_weekday as preferred_send_weekday,
        rates.is_fatigued,
        case
            when rates.is_fatigued then {{ fatigued_per_week }}
            when rates.email_open_rate_long < {{ low_open_rate }}
                then {{ low_per_week }}
            else {{ max_per_week }}
        end as max_messages_per_week
    from rates
    left join top_hour
        on rates.customer_id = top_hour.customer_id and top_hour.hour_rank = 1
    left join top_weekday
        on rates.customer_id = top_weekday.customer_id and top_weekday.weekday_rank = 1
    left join top_channel
        on rates.customer_id = top_channel.customer_id and top_channel.channel_rank = 1
)

select * from final
