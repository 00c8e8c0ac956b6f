{#-
  Connected components of a graph by iterative min-label propagation with contraction, run round
  by round in the warehouse until no edge is left. `edges` holds (node_id, neighbor_id) in both
  directions (duplicates allowed, no self-links); node ids are 64-bit identifier keys
  (retain_identifier_key), which are hashes: their order is as good as random.

  Each round gives every node of the current graph the smallest label among itself and its
  neighbours, then the label of that label (one pointer jump); every group of nodes sharing a
  label is connected, so it can be contracted to its label: the next round's graph keeps only the
  edges between different labels. A component is done when its last edge disappears, so the
  star-like components of real identity graphs finish in the first round and later rounds only
  touch what is still linked. Ids must be in random order: on a chain whose ids increased along
  it, a round would remove only a node or two; in random order it shrinks by a constant factor
  per round. Every round removes at least
  the largest node of each component, so the loop always ends; max_passes bounds it.

  Each round is materialized as temporary work tables (<model>__edges_<k>, <model>__map_<k>;
  retain_label_work_table), which keeps every round one plain join on any warehouse, lets the
  loop stop as soon as nothing is left, and writes nothing to disk where temporary tables live in
  memory (DuckDB). The result, <model>__labels (node_id, label), composes the rounds' maps. Returns
  {relation, passes, links (edges / 2)}. Runs only at execution (`execute`), in the model's
  own connection.
-#}
{% macro retain_label_propagation(edges, max_passes) %}
    {%- set edges_0 = retain_label_work_table('edges_0') -%}
    {%- set labels = retain_label_work_table('labels') -%}
    {%- do adapter.drop_relation(labels) -%}
    {%- do adapter.drop_relation(edges_0) -%}
    {%- set hashed -%}
        select
            node_id,
            neighbor_id
        from {{ edges }}
    {%- endset -%}
    {%- do run_query(create_table_as(retain_label_work_temporary(), edges_0, hashed)) -%}
    {%- set state = {'passes': 0, 'remaining': retain_label_count(edges_0)} -%}
    {%- set directed_edges = state.remaining -%}
    {%- set maps = [] -%}
    {%- for pass in range(max_passes) if state.remaining > 0 -%}
        {%- set current = retain_label_work_table('edges_' ~ pass) -%}
        {%- set map = retain_label_work_table('map_' ~ pass) -%}
        {%- set following = retain_label_work_table('edges_' ~ (pass + 1)) -%}
        {%- set map_sql -%}
            with nearest as (
                select
                    node_id,
                    least(node_id, min(neighbor_id)) as label
                from {{ current }}
                group by node_id
            )
            select
                nearest.node_id,
                least(nearest.label, jumped.label) as label
            from nearest
            inner join nearest as jumped
                on nearest.label = jumped.node_id
        {%- endset -%}
        {%- set contracted_sql -%}
            select distinct
                node_map.label as node_id,
                neighbor_map.label as neighbor_id
            from {{ current }} as edges
            inner join {{ map }} as node_map
                on edges.node_id = node_map.node_id
            inner join {{ map }} as neighbor_map
                on edges.neighbor_id = neighbor_map.node_id
            where node_map.label <> neighbor_map.label
        {%- endset -%}
        {%- do adapter.drop_relation(map) -%}
        {%- do run_query(create_table_as(retain_label_work_temporary(), map, map_sql)) -%}
        {%- do maps.append(map) -%}
        {%- do adapter.drop_relation(following) -%}
        {%- do run_query(
            create_table_as(retain_label_work_temporary(), following, contracted_sql)
        ) -%}
        {%- do adapter.drop_relation(current) -%}
        {%- do state.update({
            'passes': state.passes + 1,
            'remaining': retain_label_count(following),
        }) -%}
        {%- if state.remaining == 0 -%}
            {%- do adapter.drop_relation(following) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if state.remaining > 0 -%}
        {{ exceptions.raise_compiler_error(
            "identity resolution: " ~ state.remaining ~ " links still joined different labels"
            ~ " after " ~ max_passes ~ " rounds (retain_identity.max_passes); raise it"
        ) }}
    {%- endif -%}
    {%- set composed -%}
        with
        {%- if maps | length == 0 %}
        step_0 as (
            select
                node_id,
                node_id as label
            from {{ edges_0 }}
            where 1 = 0
        )
        select * from step_0
        {%- else %}
        step_0 as (
            select
                node_id,
                label
            from {{ maps[0] }}
        ){% for map in maps[1:] %},
        step_{{ loop.index }} as (
            select
                previous.node_id,
                coalesce(map.label, previous.label) as label
            from step_{{ loop.index0 }} as previous
            left join {{ map }} as map
                on previous.label = map.node_id
        ){% endfor %}
        select * from step_{{ maps | length - 1 }}
        {%- endif %}
    {%- endset -%}
    {%- do run_query(create_table_as(retain_label_work_temporary(), labels, composed)) -%}
    {%- for map in maps -%}
        {%- do adapter.drop_relation(map) -%}
    {%- endfor -%}
    {%- do adapter.drop_relation(edges_0) -%}
    {{ return({'relation': labels, 'passes': state.passes, 'links': directed_edges // 2}) }}
{% endmacro %}

{#-
  A work table of the model being built, <model>__<suffix>: a temporary table, named without
  schema as temporary tables are on DuckDB, Postgres and Snowflake. BigQuery has no session
  temporary tables outside scripts: there it is a table beside the model, dropped at the end.
-#}
{% macro retain_label_work_table(suffix) %}
    {{ return(adapter.dispatch('retain_label_work_table', 'retain')(suffix)) }}
{% endmacro %}

{% macro default__retain_label_work_table(suffix) %}
    {{ return(api.Relation.create(identifier=this.identifier ~ '__' ~ suffix, type='table')) }}
{% endmacro %}

{% macro bigquery__retain_label_work_table(suffix) %}
    {{ return(api.Relation.create(
        database=this.database,
        schema=this.schema,
        identifier=this.identifier ~ '__' ~ suffix,
        type='table',
    )) }}
{% endmacro %}

{% macro retain_label_work_temporary() %}
    {{ return(adapter.dispatch('retain_label_work_temporary', 'retain')()) }}
{% endmacro %}

{% macro default__retain_label_work_temporary() %}
    {{ return(true) }}
{% endmacro %}

{% macro bigquery__retain_label_work_temporary() %}
    {{ return(false) }}
{% endmacro %}

{% macro retain_label_count(relation) %}
    {%- set result = run_query('select count(*) from ' ~ relation) -%}
    {{ return(result.columns[0].values()[0] | int) }}
{% endmacro %}
