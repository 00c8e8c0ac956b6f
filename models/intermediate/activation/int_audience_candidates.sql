{#-
  One row per audience per customer the audience selects (segments, entered/exited transitions
  within within_days, and the where predicate), before eligibility: identifiers and payload as JSON
  text, the consent of the audience's purpose, suppression, erasure and the holdout draw.
  audience_members decides eligibility from these columns; holdout_assignments keeps the arm.
-#}
{%- set audiences = audience_settings() -%}
{%- set columns = segment_rule_columns() -%}
{%- set columns = dict(columns, **var('retain_profile_rule_columns', {})) -%}
{%- for purpose in ['email', 'sms', 'push', 'ads', 'profiling', 'location'] -%}
    {%- do columns.update({'consent_' ~ purpose: 'string'}) -%}
{%- endfor -%}
{%- set as_of = retain_as_of() -%}

with

profile as (
    select * from {{ ref('customer_profile') }}
),

transitions as (
    select * from {{ ref('segment_transitions') }}
),

erasures as (
    select * from {{ ref('stg_retain__erasure_requests') }}
),

{% if audiences | length == 0 %}

final as (
    select
        cast(null as {{ dbt.type_string() }}) as audience,
        cast(null as {{ dbt.type_string() }}) as destination,
        cast(null as {{ dbt.type_string() }}) as destination_type,
        cast(null as {{ dbt.type_string() }}) as purpose,
        cast(null as {{ dbt.type_string() }}) as salt,
        cast(null as {{ dbt.type_float() }}) as holdout_pct,
        cast(null as {{ dbt.type_string() }}) as definition_hash,
        cast(null as {{ dbt.type_string() }}) as customer_id,
        cast(null as {{ dbt.type_string() }}) as segment,
        cast(null as date) as transitioned_on,
        cast(null as {{ dbt.type_string() }}) as identifiers,
        cast(null as {{ dbt.type_string() }}) as payload,
        cast(null as {{ dbt.type_string() }}) as consent_status,
        cast(null as {{ dbt.type_boolean() }}) as is_erased,
        cast(null as {{ dbt.type_boolean() }}) as is_suppressed,
        cast(null as {{ dbt.type_boolean() }}) as is_missing_identifier,
        cast(null as {{ dbt.type_boolean() }}) as is_profiling_objected,
        cast(null as {{ dbt.type_float() }}) as holdout_draw,
        cast(null as {{ dbt.type_string() }}) as payload_hash
    from profile
    where false
)

{% else %}

{% for a in audiences %}
{%- set at = "var retain_audiences[" ~ loop.index0 ~ "] (" ~ a.name ~ ")" -%}
{%- set window_start = retain_date_add('day', -a.within_days, as_of) -%}
{%- if a.entered or a.exited %}
moves_{{ loop.index }} as (
    select
        customer_id,
        max(to_as_of_date) as transitioned_on
    from transitions
    where
        to_as_of_date > {{ window_start }}
        {%- if a.entered %}
        and to_segment in (
            {%- for s in a.entered %}{{ retain_string_literal(s, at ~ '.entered') }}
            {%- if not loop.last %}, {% endif %}{% endfor %})
        {%- else %}
        and from_segment in (
            {%- for s in a.exited %}{{ retain_string_literal(s, at ~ '.exited') }}
            {%- if not loop.last %}, {% endif %}{% endfor %})
        and (to_segment is null or to_segment <> from_segment)
        {%- endif %}
    group by customer_id
),
{%- endif %}

audience_{{ loop.index }} as (
    select
        {{ retain_string_literal(a.name, at) }} as audience,
        {{ retain_string_literal(a.destination, at) }} as destination,
        {{ retain_string_literal(a.destination_type, at) }} as destination_type,
        {{ retain_string_literal(a.purpose, at) }} as purpose,
        {{ retain_string_literal(a.salt, at ~ '.salt') }} as salt,
        cast({{ a.holdout_pct }} as {{ dbt.type_float() }}) as holdout_pct,
        {{ retain_string_literal(a.definition_hash, at) }} as definition_hash,
        profile.customer_id,
        profile.segment,
        {%- if a.entered or a.exited %}
        moves.transitioned_on,
        {%- else %}
        cast(null as date) as transitioned_on,
        {%- endif %}
        {%- set id_pairs = [] %}
        {%- for field, column in a.identifiers.items() %}
        {%- do id_pairs.append((field, 'cast(profile.' ~ column ~ ' as '
            ~ dbt.type_string() ~ ')')) %}
        {%- endfor %}
        {%- set payload_pairs = [('segment', 'profile.segment')] %}
        {%- if a.entered or a.exited %}
        {%- do payload_pairs.append(('transitioned_on', 'cast(moves.transitioned_on as '
            ~ dbt.type_string() ~ ')')) %}
        {%- endif %}
        {%- for field, column in a.fields.items() %}
        {%- do payload_pairs.append((field, 'profile.' ~ column)) %}
        {%- endfor %}
        {{ retain_json_object(id_pairs) }} as identifiers,
        {{ retain_json_object(payload_pairs) }} as payload,
        profile.consent_{{ a.purpose }} as consent_status,
        erasures.customer_id is not null as is_erased,
        (
            {%- if a.is_paid %}coalesce(profile.suppress_paid, false)
            {%- else %}false{% endif %}
            {%- if a.suppress_when %}
            or coalesce({{ segment_rule_sql(a.suppress_when, at ~ '.suppress_when', columns) }},
                false)
            {%- endif %}
        ) as is_suppressed,
        (
            {%- for field in a.required_identifiers %}
            profile.{{ a.identifiers[field] }} is null
            {%- if not loop.last %} or {% endif %}
            {%- endfor %}
        ) as is_missing_identifier,
        {#- objected to profiling: only an audience of the no_profiling segment itself may send -#}
        {%- if a.segments and 'no_profiling' in a.segments %}
        false as is_profiling_objected,
        {%- else %}
        coalesce(profile.consent_profiling = 'revoked', false) as is_profiling_objected,
        {%- endif %}
        {{ retain_hash_fraction(retain_string_literal(a.salt ~ ':', at ~ '.salt')
            ~ ' || profile.customer_id') }} as holdout_draw
    from profile
    {%- if a.entered or a.exited %}
    inner join moves_{{ loop.index }} as moves
        on profile.customer_id = moves.customer_id
    {%- endif %}
    left join erasures
        on profile.customer_id = erasures.customer_id
    where
        {%- if a.segments %}
        profile.segment in (
            {%- for s in a.segments %}{{ retain_string_literal(s, at ~ '.segments') }}
            {%- if not loop.last %}, {% endif %}{% endfor %})
        {%- else %}
        1 = 1
        {%- endif %}
        {%- if a.where %}
        and coalesce({{ segment_rule_sql(a.where, at ~ '.where', columns) }}, false)
        {%- endif %}
),
{% endfor %}

unioned as (
    {%- for a in audiences %}
    select * from audience_{{ loop.index }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

final as (
    select
        *,
        {{ dbt.hash("identifiers || '|' || payload") }} as payload_hash
    from unioned
)

{% endif %}

select * from final
