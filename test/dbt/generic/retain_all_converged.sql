{#- Rows of a series whose sum stopped at max_series_terms before converging. -#}
{% test retain_all_converged(model) %}

select *
from {{ model }}
where not is_converged

{% endtest %}
