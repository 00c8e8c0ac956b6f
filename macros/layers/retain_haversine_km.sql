{#-
  Great-circle distance in kilometres between two points given in degrees (haversine, Earth radius
  6371 km). Only sin, cos, asin, sqrt and arithmetic: portable to DuckDB, Postgres, Snowflake and
  BigQuery. The sqrt argument is capped at 1 so rounding can never push asin out of its domain.
-#}
{% macro retain_haversine_km(lat1, lon1, lat2, lon2) %}
  {{ return(adapter.dispatch('retain_haversine_km', 'retain')(lat1, lon1, lat2, lon2)) }}
{% endmacro %}

{% macro default__retain_haversine_km(lat1, lon1, lat2, lon2) %}
    (2 * 6371.0 * asin(sqrt(least(1.0,
        power(sin(({{ lat2 }} - {{ lat1 }}) * 0.017453292519943295 / 2), 2)
        + cos({{ lat1 }} * 0.017453292519943295) * cos({{ lat2 }} * 0.017453292519943295)
        * power(sin(({{ lon2 }} - {{ lon1 }}) * 0.017453292519943295 / 2), 2)
    ))))
{% endmacro %}
