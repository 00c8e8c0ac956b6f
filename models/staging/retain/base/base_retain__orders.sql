-- One row per input row of the `orders` source, typed, with the first rule it breaks
-- (rejection_reason, null when accepted). Rules, first failing wins:
--   erased (an erased customer: macros/privacy/retain_erasure.sql),
--   missing_required_field, invalid_timestamp, invalid_number, unknown_currency,
--   negative_revenue (negative and not a refund status), negative_value (discount),
--   event_after_as_of, exact_duplicate, duplicate_key (the last row read wins).
-- Incremental (macros/incremental): a run re-reads the rows dated within the lookback window
-- (and every row without a date, and erased customers' rows), plus every row sharing an order_id
-- with them, however old: which row of an order_id wins depends on all of them. It merges them
-- on row_key, so a row read again replaces itself and is never counted twice.
{{ config(**retain_incremental_config('order_date')) }}
{%- set in_window = retain_incremental_window('cast(ordered_at as date)', 'order_date') %}
with

source_rows as (
    select * from {{ retain_source('orders') }} as orders_source
),

cleaned as (
    select
        _retain_source_file as source_file,
        _retain_source_row_number as source_row_number,
        _retain_row_hash as row_hash,
        {{ retain_text('order_id') }} as order_id,
        {{ retain_text('customer_id') }} as customer_id,
        {{ retain_text('ordered_at') }} as ordered_at_text,
        {{ retain_to_timestamp('ordered_at') }} as ordered_at,
        {{ retain_text('revenue') }} as revenue_text,
        {{ retain_to_number('revenue') }} as revenue,
        {{ retain_text('discount_amount') }} as discount_amount_text,
        {{ retain_to_number('discount_amount') }} as discount_amount,
        coalesce(
            upper({{ retain_text('currency') }}), '{{ retain_base_currency() }}'
        ) as currency,
        {{ retain_code('channel') }} as channel,
        coalesce({{ retain_code('status') }}, 'completed') as status
    from source_rows
),

converted as (
    select
        *,
        {{ retain_currency_rate('currency') }} as currency_rate,
        status in {{ retain_literal_list(var('retain_refund_statuses')) }} as is_refund
    from cleaned
),

checked as (
    select
        *,
        case
            when {{ retain_is_erased('customer_id') }} then 'erased'
            when
                order_id is null
                or customer_id is null
                or ordered_at_text is null
                or revenue_text is null
                then 'missing_required_field'
            when ordered_at is null then 'invalid_timestamp'
            when revenue is null then 'invalid_number'
            when discount_amount_text is not null and discount_amount is null
                then 'invalid_number'
            when currency_rate is null then 'unknown_currency'
            when revenue < 0 and not is_refund then 'negative_revenue'
            when discount_amount < 0 then 'negative_value'
            when cast(ordered_at as date) > {{ retain_as_of() }} then 'event_after_as_of'
        end as row_rejection_reason
    from converted
),

window_rows as (
    select order_id from checked
    where {{ in_window }}
),

batch as (
    select * from checked
    where
        {{ in_window }}
        or row_rejection_reason = 'erased'
        or order_id in (
            select window_rows.order_id from window_rows
            where window_rows.order_id is not null
        )
),

ranked as (
    select
        *,
        {{ retain_copy_number() }} as copy_number
    from batch
),

key_ranked as (
    select
        *,
        {{ retain_key_rank(['order_id']) }} as key_rank
    from ranked
),

final as (
    select
        source_file,
        source_row_number,
        order_id as source_key,
        {{ retain_rejection_reason() }} as rejection_reason,
        order_id,
        customer_id,
        ordered_at,
        cast(ordered_at as date) as order_date,
        currency,
        revenue,
        cast(revenue * currency_rate as {{ dbt.type_numeric() }}) as revenue_base,
        cast(
            coalesce(discount_amount, 0) * currency_rate as {{ dbt.type_numeric() }}
        ) as discount_amount_base,
        channel,
        status,
        (
            status in {{ retain_literal_list(var('retain_purchase_statuses')) }}
            and revenue >= 0
        ) as is_purchase,
        is_refund,
        {{ retain_row_key() }} as row_key
    from key_ranked
)

select * from final
