-- Store visits with the resolved customer: through customer_id, else the device id, so visits
-- seen through a phone count for the customer who uses it.
with

visits as (
    select * from {{ ref('stg_retain__store_visits') }}
),

identifiers as (
    select * from {{ ref('int_identifiers_resolved') }}
),

final as (
    select
        coalesce(
            resolved_customer_id.resolved_customer_id,
            resolved_device_id.resolved_customer_id,
            visits.customer_id
        ) as customer_id,
        visits.customer_id as source_customer_id,
        visits.device_id,
        visits.store_id,
        visits.visited_at,
        visits.visit_date
    from visits
    left join identifiers as resolved_customer_id
        on
            resolved_customer_id.identifier_type = 'customer_id'
            and visits.customer_id = resolved_customer_id.identifier_value
    left join identifiers as resolved_device_id
        on
            resolved_device_id.identifier_type = 'device_id'
            and visits.device_id = resolved_device_id.identifier_value
)

select * from final
