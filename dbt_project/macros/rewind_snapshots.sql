{#- Re-running the latest day (the same --as-of) replaces that day's snapshot versions
    instead of stacking new ones on them: versions first seen at the end of the day are
    removed and the versions they closed are reopened. A day followed by later history
    is left alone. The flow runs this before every snapshot. -#}
{% macro rewind_snapshots() %}
  {%- set rewound = namespace(any=false) %}
  {%- for node in graph.nodes.values() if node.resource_type == 'snapshot' %}
    {%- set relation = adapter.get_relation(node.database, node.schema, node.alias) %}
    {%- if relation is not none %}
      {%- set latest_day = "not exists (select 1 from " ~ relation ~ " where dbt_valid_from > " ~ as_of_end() ~ ")" %}
      {% call statement('rewind_' ~ node.name) -%}
        delete from {{ relation }}
        where dbt_valid_from = {{ as_of_end() }} and {{ latest_day }}
      {%- endcall %}
      {% call statement('reopen_' ~ node.name) -%}
        update {{ relation }} set dbt_valid_to = null
        where dbt_valid_to = {{ as_of_end() }} and {{ latest_day }}
      {%- endcall %}
      {%- set rewound.any = true %}
    {%- endif %}
  {%- endfor %}
  {%- if rewound.any %}{% do adapter.commit() %}{% endif %}
{% endmacro %}
