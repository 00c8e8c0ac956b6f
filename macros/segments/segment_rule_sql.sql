{#-
  Renders one node of a segment rule tree to a SQL condition, checking it on the way:
    {all: [node, ..]} | {any: [node, ..]} | {not: node} | {always: true}
    | {column, op, value} with op in = != < <= > >= between in not_in is_null is_not_null.
  The column must be a key of var('retain_rule_columns') and the value must match its type;
  `between` takes [low, high], `in`/`not_in` a non-empty list, is_null/is_not_null no value.
  Nothing from the tree reaches SQL except checked column names, operators from the fixed list
  and literals rendered by segment_rule_literal. `path` locates the node for error messages.
-#}
{% macro segment_rule_sql(node, path, columns) %}
  {%- set fail = exceptions.raise_compiler_error -%}
  {%- if node is not mapping -%}
    {{ fail(path ~ ": expected a rule node (all, any, not, always or column), got " ~ node) }}
  {%- endif -%}
  {%- set keys = node.keys() | list | sort -%}
  {%- set kind = ['all', 'any', 'not', 'always', 'column'] | select('in', keys) | list -%}
  {%- if kind | length != 1 -%}
    {{ fail(path ~ ": a node has exactly one of all, any, not, always or column, got keys "
      ~ keys | join(', ')) }}
  {%- endif -%}
  {%- set kind = kind[0] -%}

  {%- if kind in ['all', 'any'] -%}
    {%- set children = node[kind] -%}
    {%- if keys | length != 1 -%}
      {{ fail(path ~ ": '" ~ kind ~ "' takes no other keys, got " ~ keys | join(', ')) }}
    {%- endif -%}
    {%- if children is string or children is mapping or children is not iterable
        or children | length == 0 -%}
      {{ fail(path ~ "." ~ kind ~ ": expected a non-empty list of rule nodes, got "
        ~ children) }}
    {%- endif -%}
    {%- set parts = [] -%}
    {%- for child in children -%}
      {%- do parts.append(segment_rule_sql(
        child, path ~ "." ~ kind ~ "[" ~ loop.index0 ~ "]", columns)) -%}
    {%- endfor -%}
    {{- return('(' ~ parts | join(' and ' if kind == 'all' else ' or ') ~ ')') -}}

  {%- elif kind == 'not' -%}
    {%- if keys | length != 1 -%}
      {{ fail(path ~ ": 'not' takes no other keys, got " ~ keys | join(', ')) }}
    {%- endif -%}
    {{- return('(not ' ~ segment_rule_sql(node['not'], path ~ ".not", columns) ~ ')') -}}

  {%- elif kind == 'always' -%}
    {%- if keys | length != 1 or node['always'] is not sameas true -%}
      {{ fail(path ~ ": expected {always: true}, got " ~ node) }}
    {%- endif -%}
    {{- return('(1 = 1)') -}}

  {%- else -%}
    {%- set column = node['column'] -%}
    {%- set op = node.get('op') -%}
    {%- for key in keys if key not in ['column', 'op', 'value'] -%}
      {{ fail(path ~ ": unknown key '" ~ key ~ "' in a column condition") }}
    {%- endfor -%}
    {%- if column is not string or column not in columns -%}
      {{ fail(path ~ ".column: unknown column '" ~ column ~ "'; rules may use "
        ~ columns.keys() | list | sort | join(', ')) }}
    {%- endif -%}
    {%- set column_type = columns[column] -%}
    {%- set comparisons = {'=': '=', '!=': '<>', '<': '<', '<=': '<=', '>': '>', '>=': '>='} -%}
    {%- set ops = ['=', '!=', '<', '<=', '>', '>=', 'between', 'in', 'not_in',
                   'is_null', 'is_not_null'] -%}
    {%- if op not in ops -%}
      {{ fail(path ~ ".op: unknown operator '" ~ op ~ "'; expected one of "
        ~ ops | join(' ')) }}
    {%- endif -%}
    {%- if column_type == 'boolean' and op in ['<', '<=', '>', '>=', 'between'] -%}
      {{ fail(path ~ ".op: '" ~ op ~ "' does not apply to boolean column " ~ column) }}
    {%- endif -%}
    {%- set value = node.get('value') -%}
    {%- set value_path = path ~ ".value" -%}

    {%- if op in ['is_null', 'is_not_null'] -%}
      {%- if value is not none -%}
        {{ fail(value_path ~ ": '" ~ op ~ "' takes no value, got " ~ value) }}
      {%- endif -%}
      {{- return('(' ~ column ~ (' is null' if op == 'is_null' else ' is not null') ~ ')') -}}

    {%- elif op in ['between', 'in', 'not_in'] -%}
      {%- if value is string or value is mapping or value is not iterable
          or value | length == 0 or (op == 'between' and value | length != 2) -%}
        {{ fail(value_path ~ ": '" ~ op ~ "' takes "
          ~ ('[low, high]' if op == 'between' else 'a non-empty list') ~ ", got " ~ value) }}
      {%- endif -%}
      {%- set literals = [] -%}
      {%- for item in value -%}
        {%- do literals.append(segment_rule_literal(
          item, column_type, value_path ~ "[" ~ loop.index0 ~ "]")) -%}
      {%- endfor -%}
      {%- if op == 'between' -%}
        {{- return('(' ~ column ~ ' between ' ~ literals[0] ~ ' and ' ~ literals[1] ~ ')') -}}
      {%- endif -%}
      {{- return('(' ~ column ~ (' in (' if op == 'in' else ' not in (')
        ~ literals | join(', ') ~ '))') -}}

    {%- else -%}
      {%- if value is none -%}
        {{ fail(value_path ~ ": '" ~ op ~ "' needs a value") }}
      {%- endif -%}
      {{- return('(' ~ column ~ ' ' ~ comparisons[op] ~ ' '
        ~ segment_rule_literal(value, column_type, value_path) ~ ')') -}}
    {%- endif -%}
  {%- endif -%}
{% endmacro %}
