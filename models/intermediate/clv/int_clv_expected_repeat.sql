{#-
  E[Y(t) | alive, x, T]: the BG/NBD expected repeat purchases in (T, T + t] of a customer who is
  still alive, for each distinct (x, T) and each horizon point t: the prediction horizon (point 0)
  and the ends of the CLV periods (points 1..clv_periods, with the weight each gets in the
  discounted sum). Fader, Hardie and Lee (2005), eq. 10 divided by P(alive):

    E = (a+b+x-1)/(a-1) * [1 - ((alpha+T)/(alpha+T+t))^(a-1) * 2F1(a+b-1-r, a-1; a+b+x-1; z)]

  with z = t/(alpha+T+t), after Euler's transformation, so that the series converges without
  overflow. 2F1 is summed as its power series in a recursive CTE, eight terms per step, until a term
  no longer changes the sum (or max_series_terms). At a = 1 the expression has a removable
  singularity: it is averaged over a = 1 +- 1e-6, as the TypeScript scorer does.
-#}
-- the fit is read when dbt executes (retain_runtime_var), so the dependency is declared here:
-- depends_on: {{ ref('int_clv_customer_statistics') }}
{%- set settings = clv_settings() -%}
{%- set fit = clv_fit('bgnbd') -%}
{%- set block = 8 -%}

{%- if fit is none %}

-- the filter sits on an outer query: BigQuery refuses a WHERE without a FROM
select * from (
    select
        cast(null as integer) as frequency_x,
        cast(null as {{ retain_type_double() }}) as age_t,
        cast(null as integer) as point_index,
        cast(null as {{ retain_type_double() }}) as horizon_t,
        cast(null as {{ retain_type_double() }}) as discount_weight,
        cast(null as {{ retain_type_double() }}) as expected_if_alive,
        cast(null as boolean) as is_converged
) as no_rows
where 1 = 0

{%- else %}
    {%- set a_values = [fit.a] if (fit.a - 1) | abs >= 1e-6 else [1 - 1e-6, 1 + 1e-6] -%}
    {%- set v = 1 / (1 + settings.discount_rate) -%}
    {%- set n = settings.clv_periods -%}
    {%- set points = [(0, settings.horizon_days / settings.unit_days, 0)] -%}
    {%- for i in range(1, n + 1) -%}
        {%- set weight = (v ** i - v ** (i + 1)) if i < n else v ** n -%}
        {%- do points.append((i, i * settings.period_days / settings.unit_days, weight)) -%}
    {%- endfor %}

with recursive

statistics as (
    select * from {{ ref('int_clv_customer_statistics') }}
),

pairs as (
    select distinct
        frequency_x,
        age_t
    from statistics
),

points as (
    {%- for point in points %}
    select
        {{ point[0] }} as point_index,
        {{ clv_literal(point[1]) }} as horizon_t,
        {{ clv_literal(point[2]) }} as discount_weight
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

variants as (
    {%- for a in a_values %}
    select
        {{ loop.index }} as a_index,
        {{ clv_literal(a) }} as a_value
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

inputs as (
    select
        pairs.frequency_x,
        pairs.age_t,
        points.point_index,
        points.horizon_t,
        points.discount_weight,
        variants.a_index,
        variants.a_value,
        variants.a_value + {{ clv_literal(fit.b) }} - 1 - {{ clv_literal(fit.r) }} as hyp_a,
        variants.a_value - 1 as hyp_b,
        variants.a_value + {{ clv_literal(fit.b) }} + pairs.frequency_x - 1 as hyp_c,
        points.horizon_t
        / ({{ clv_literal(fit.alpha) }} + pairs.age_t + points.horizon_t) as hyp_z
    from pairs
    cross join points
    cross join variants
),

series (
    frequency_x, age_t, point_index, a_index, hyp_a, hyp_b, hyp_c, hyp_z, k, term, total
) as (
    select
        frequency_x,
        age_t,
        point_index,
        a_index,
        hyp_a,
        hyp_b,
        hyp_c,
        hyp_z,
        0,
        {{ clv_literal(1) }},
        {{ clv_literal(1) }}
    from inputs
    union all
    select
        frequency_x,
        age_t,
        point_index,
        a_index,
        hyp_a,
        hyp_b,
        hyp_c,
        hyp_z,
        k + {{ block }},
        {#- term(k+8) = term(k) * f(k) * ... * f(k+7), f(j) = (A+j)(B+j) / ((C+j)(j+1)) * z -#}
        term
        {%- for j in range(block) %}
        * {{ clv_series_factor(j) }}
        {%- endfor %},
        {#- total + term(k+1) + ... + term(k+8), nested: term * f0 * (1 + f1 * (1 + ... f7)) -#}
        total + term
        {%- for j in range(block) %}
        * ({% if j > 0 %}1 + {% endif %}{{ clv_series_factor(j) }}
        {%- endfor %}
        {%- for j in range(block) %}){% endfor %}
    from series
    where
        abs(term) > 1e-17 * abs(total)
        and k < {{ settings.max_series_terms }}
),

summed as (
    -- the last step of each chain is the one that stopped the recursion
    select
        frequency_x,
        age_t,
        point_index,
        a_index,
        total as hypergeometric,
        k < {{ settings.max_series_terms }} as is_converged
    from series
    where not (
        abs(term) > 1e-17 * abs(total)
        and k < {{ settings.max_series_terms }}
    )
),

per_variant as (
    select
        inputs.frequency_x,
        inputs.age_t,
        inputs.point_index,
        inputs.horizon_t,
        inputs.discount_weight,
        summed.is_converged,
        inputs.hyp_c / (inputs.a_value - 1) * (
            1 - {{ clv_exp(
                '(inputs.a_value - 1) * ln((' ~ clv_literal(fit.alpha) ~ ' + inputs.age_t) / ('
                ~ clv_literal(fit.alpha) ~ ' + inputs.age_t + inputs.horizon_t))'
            ) }} * summed.hypergeometric
        ) as expected_if_alive
    from inputs
    inner join summed
        on
            inputs.frequency_x = summed.frequency_x
            and inputs.age_t = summed.age_t
            and inputs.point_index = summed.point_index
            and inputs.a_index = summed.a_index
),

final as (
    select
        frequency_x,
        age_t,
        point_index,
        horizon_t,
        discount_weight,
        avg(expected_if_alive) as expected_if_alive,
        min(case when is_converged then 1 else 0 end) = 1 as is_converged
    from per_variant
    group by frequency_x, age_t, point_index, horizon_t, discount_weight
)

select * from final

{%- endif %}
