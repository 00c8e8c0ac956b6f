-- Staging models whose grain is several columns hold one row per grain: returns one row per
-- repeated key (the test passes when it returns nothing).
with

order_lines as (
    select
        'stg_retain__order_lines' as model_name,
        {{ dbt.concat(['order_id', "'|'", dbt.safe_cast('line_number', dbt.type_string())]) }}
            as grain_key
    from {{ ref('stg_retain__order_lines') }}
),

returns as (
    select
        'stg_retain__returns' as model_name,
        {{ dbt.concat([
            'order_id', "'|'", dbt.safe_cast('returned_at', dbt.type_string())
        ]) }} as grain_key
    from {{ ref('stg_retain__returns') }}
),

consents as (
    select
        'stg_retain__consents' as model_name,
        {{ dbt.concat([
            'customer_id', "'|'", 'purpose', "'|'",
            dbt.safe_cast('recorded_at', dbt.type_string())
        ]) }} as grain_key
    from {{ ref('stg_retain__consents') }}
),

grain_keys as (
    select * from order_lines
    union all
    select * from returns
    union all
    select * from consents
),

final as (
    select
        model_name,
        grain_key,
        count(*) as row_count
    from grain_keys
    group by model_name, grain_key
    having count(*) > 1
)

select * from final
