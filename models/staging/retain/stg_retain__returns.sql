-- Accepted returns of accepted orders. Rejected rows are in rejected_rows.
with

validated as (
    select * from {{ ref('base_retain__returns') }}
),

final as (
    select
        order_id,
        customer_id,
        returned_at,
        return_date,
        refund_amount_base
    from validated
    where rejection_reason is null
)

select * from final
