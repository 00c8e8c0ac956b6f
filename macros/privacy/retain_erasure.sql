{#-
  Erasure, from two paths that end in the same check:
    - the erasure_requests source (customer ids, read by base_retain__erasure_requests), and
    - `retain privacy erase`, which stores only a tombstone per erased customer id in the table
      privacy_erasures: sha256(salt || 'customer_id:' || customer_id), the salt being the one row
      of privacy_salt (generated per warehouse by the CLI, see src/privacy).
  Both tables are created empty by the on-run-start hooks (retain_privacy_table), so the project
  runs before any erasure. retain_is_erased(column) is true when the customer id in `column` was
  erased by either path; staging rejects such rows with reason 'erased' (before any other rule),
  so an erased customer never comes back through a later load.
-#}

{#-
  on-run-start, one hook per table: the tables `retain privacy erase` writes, empty until it does.
  A table that exists is left alone (one statement per hook, and no create of an existing table:
  the BigQuery emulator answers 409 to `create table if not exists` on an existing one).
-#}
{% macro retain_privacy_table(name) %}
    {%- set columns = {
        'privacy_salt': [('salt', dbt.type_string())],
        'privacy_erasures': [
            ('tombstone', dbt.type_string()),
            ('erased_at', dbt.type_timestamp()),
            ('reason', dbt.type_string()),
        ],
    } -%}
    {%- if name not in columns -%}
        {{ exceptions.raise_compiler_error("retain_privacy_table: unknown table " ~ name) }}
    {%- endif -%}
    {%- set existing = none -%}
    {%- if execute -%}
        {%- set existing = adapter.get_relation(
            database=target.database, schema=target.schema, identifier=name
        ) -%}
    {%- endif -%}
    {%- if existing is none %}
    create table if not exists {{ target.schema }}.{{ name }} (
        {%- for column, type in columns[name] %}
        {{ column }} {{ type }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    )
    {%- else %}
    select 1 as privacy_table_exists
    {%- endif %}
{% endmacro %}

{#- The tombstone of a customer id: hex sha256 of salt || 'customer_id:' || id. -#}
{% macro retain_tombstone(salt_expression, customer_id_expression) -%}
    {{ retain_sha256_hex(dbt.concat([
        salt_expression, "'customer_id:'", customer_id_expression,
    ])) }}
{%- endmacro %}

{#-
  True when the customer id in `column` is erased. The tombstone comparison hashes every row, so
  it is rendered only when privacy_erasures holds a tombstone (checked at execution).
-#}
{% macro retain_is_erased(column) -%}
    (
        {{ column }} in (
            select erased.customer_id
            from {{ ref('base_retain__erasure_requests') }} as erased
            where erased.rejection_reason is null
        )
        {%- if retain_has_tombstones() %}
        or {{ retain_tombstone(
            '(select privacy_salt.salt from ' ~ target.schema ~ '.privacy_salt)', column
        ) }} in (
            select privacy_erasures.tombstone from {{ target.schema }}.privacy_erasures
        )
        {%- endif %}
    )
{%- endmacro %}

{% macro retain_has_tombstones() %}
    {%- if not execute -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set result = run_query(
        'select count(*) from ' ~ target.schema ~ '.privacy_erasures'
    ) -%}
    {{ return((result.columns[0].values()[0] | int) > 0) }}
{% endmacro %}
