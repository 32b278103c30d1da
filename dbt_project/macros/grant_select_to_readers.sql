{#- Who may read what on Snowflake: each business unit's readers, the comma-separated
    roles in GREENERY_<UNIT>_READERS (GREENERY_SNAPSHOTS_READERS for the snapshots), may
    read every table of its published schema, today's and those created later. The audit
    schemas are not granted: what is in them has not passed its checks yet. The schema is
    made with managed access: there its owner, the pipeline's role, may grant on future
    tables, which in a regular schema takes MANAGE GRANTS.
    Run at the end of every dbt build (on-run-end, dbt_project.yml); DuckDB has no roles. -#}
{% macro grant_select_to_readers() -%}
  {%- if execute and target.type == 'snowflake' -%}
    {%- for schema in readable_schemas() -%}
      {%- for statement in reader_grants(schema) -%}
        {%- do run_query(statement) -%}
      {%- endfor -%}
    {%- endfor -%}
  {%- endif -%}
{%- endmacro %}

{#- The schemas readers are given: each business unit's (a folder under models/marts/)
    and the snapshots'. -#}
{% macro readable_schemas() -%}
  {%- set schemas = [] -%}
  {%- for node in graph.nodes.values() -%}
    {%- set unit = business_unit(node) -%}
    {%- if unit and unit not in schemas -%}
      {%- do schemas.append(unit) -%}
    {%- elif node.resource_type == 'snapshot' and node.schema not in schemas -%}
      {%- do schemas.append(node.schema) -%}
    {%- endif -%}
  {%- endfor -%}
  {{ return(schemas | sort) }}
{%- endmacro %}

{#- The statements that let `schema`'s readers read it; none when it has no readers. -#}
{% macro reader_grants(schema) -%}
  {%- set readers = env_var('GREENERY_' ~ schema | upper ~ '_READERS', '') -%}
  {%- set statements = [] -%}
  {%- if readers | trim -%}
    {%- set qualified = target.database ~ '.' ~ schema -%}
    {%- do statements.append('create schema if not exists ' ~ qualified ~ ' with managed access') -%}
    {%- for role in readers.split(',') | map('trim') | reject('equalto', '') -%}
      {%- do statements.append('grant usage on schema ' ~ qualified ~ ' to role ' ~ role) -%}
      {%- do statements.append(
          'grant select on all tables in schema ' ~ qualified ~ ' to role ' ~ role) -%}
      {%- do statements.append(
          'grant select on future tables in schema ' ~ qualified ~ ' to role ' ~ role) -%}
    {%- endfor -%}
  {%- endif -%}
  {{ return(statements) }}
{%- endmacro %}
