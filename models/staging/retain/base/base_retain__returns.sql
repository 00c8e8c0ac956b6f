-- One row per input row of the `returns` source, typed, with the first rule it breaks
-- (rejection_reason, null when accepted). refund_amount is in the currency of its order.
-- Rules, first failing wins:
--   missing_required_field, invalid_timestamp, invalid_number, negative_value (refund_amount),
--   event_after_as_of, unknown_order (no accepted order with that order_id),
--   return_before_order (returned before the order date), exact_duplicate,
--   duplicate_key (same order_id and returned_at; the last row read wins).
with

source_rows as (
    select * from {{ retain_source('returns') }} as returns_source
),

orders as (
    select * from {{ ref('stg_retain__orders') }}
),

cleaned as (
    select
        _retain_source_file as source_file,
        _retain_source_row_number as source_row_number,
        _retain_row_hash as row_hash,
        {{ retain_text('order_id') }} as order_id,
        {{ retain_text('returned_at') }} as returned_at_text,
        {{ retain_to_timestamp('returned_at') }} as returned_at,
        {{ retain_text('refund_amount') }} as refund_amount_text,
        {{ retain_to_number('refund_amount') }} as refund_amount
    from source_rows
),

with_orders as (
    select
        cleaned.*,
        orders.order_id is not null as has_order,
        orders.customer_id,
        orders.order_date,
        orders.currency as order_currency,
        orders.revenue_base as order_revenue_base
    from cleaned
    left join orders
        on cleaned.order_id = orders.order_id
),

checked as (
    select
        *,
        case
            when order_id is null or returned_at_text is null
                then 'missing_required_field'
            when returned_at is null then 'invalid_timestamp'
            when refund_amount_text is not null and refund_amount is null
                then 'invalid_number'
            when refund_amount < 0 then 'negative_value'
            when cast(returned_at as date) > {{ retain_as_of() }}
                then 'event_after_as_of'
            when not has_order then 'unknown_order'
            when cast(returned_at as date) < order_date then 'return_before_order'
        end as row_rejection_reason
    from with_orders
),

ranked as (
    select
        *,
        {{ retain_copy_number() }} as copy_number
    from checked
),

key_ranked as (
    select
        *,
        {{ retain_key_rank(['order_id', 'returned_at']) }} as key_rank
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
        returned_at,
        cast(returned_at as date) as return_date,
        cast(
            coalesce(
                refund_amount * {{ retain_currency_rate('order_currency') }},
                order_revenue_base
            ) as {{ dbt.type_numeric() }}
        ) as refund_amount_base
    from key_ranked
)

select * from final
