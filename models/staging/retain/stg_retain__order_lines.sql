-- Accepted order lines of accepted orders, typed. Rejected rows are in rejected_rows.
with

validated as (
    select * from {{ ref('base_retain__order_lines') }}
),

final as (
    select
        order_id,
        line_number,
        product_id,
        category,
        quantity,
        line_revenue,
        line_revenue_base
    from validated
    where rejection_reason is null
)

select * from final
