-- Accepted identity links (identifiers seen together), typed. Rejected rows are in rejected_rows.
with

validated as (
    select * from {{ ref('base_retain__identity_links') }}
),

final as (
    select
        id_type_a,
        id_value_a,
        id_type_b,
        id_value_b,
        observed_at
    from validated
    where rejection_reason is null
)

select * from final
