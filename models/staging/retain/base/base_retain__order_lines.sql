-- One row per input row of the `order_lines` source, typed, with the first rule it breaks
-- (rejection_reason, null when accepted). line_revenue is in the currency of its order.
-- Rules, first failing wins:
--   missing_required_field, invalid_number (quantity or line_revenue does not parse, or the
--   quantity is not a whole number), negative_value (quantity or line_revenue below 0),
--   unknown_order (no accepted order with that order_id; this also drops lines of orders
--   after the as-of date), exact_duplicate.
with

source_rows as (
    select * from {{ retain_source('order_lines') }} as order_lines_source
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
        {{ retain_text('product_id') }} as product_id,
        {{ retain_code('category') }} as category,
        {{ retain_text('quantity') }} as quantity_text,
        {{ retain_to_number('quantity') }} as quantity,
        {{ retain_text('line_revenue') }} as line_revenue_text,
        {{ retain_to_number('line_revenue') }} as line_revenue
    from source_rows
),

with_orders as (
    select
        cleaned.*,
        orders.order_id is not null as has_order,
        orders.currency as order_currency
    from cleaned
    left join orders
        on cleaned.order_id = orders.order_id
),

checked as (
    select
        *,
        case
            when order_id is null or category is null then 'missing_required_field'
            when
                (quantity_text is not null and quantity is null)
                or quantity != floor(quantity)
                or (line_revenue_text is not null and line_revenue is null)
                then 'invalid_number'
            when quantity < 0 or line_revenue < 0 then 'negative_value'
            when not has_order then 'unknown_order'
        end as row_rejection_reason
    from with_orders
),

ranked as (
    select
        *,
        {{ retain_copy_number() }} as copy_number
    from checked
),

validated as (
    select
        *,
        {{ retain_rejection_reason(has_key=false) }} as rejection_reason
    from ranked
),

final as (
    select
        source_file,
        source_row_number,
        order_id as source_key,
        rejection_reason,
        order_id,
        case
            when rejection_reason is null
                then row_number() over (
                    partition by order_id, rejection_reason is null
                    order by source_file, source_row_number
                )
        end as line_number,
        product_id,
        category,
        cast(coalesce(quantity, 1) as {{ dbt.type_bigint() }}) as quantity,
        line_revenue,
        cast(
            line_revenue * {{ retain_currency_rate('order_currency') }}
            as {{ dbt.type_numeric() }}
        ) as line_revenue_base
    from validated
)

select * from final
