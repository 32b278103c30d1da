{#- Re-running the latest day (the same --as-of) replaces that day's snapshot versions
    instead of stacking new ones on them: versions first seen at the end of the day are
    removed and the versions they closed are reopened. A day followed by later history
    is left alone. Every snapshot runs this as its pre-hook (snapshots/_snapshots.yml). -#}
{% macro rewind_snapshot(snapshot) %}
  {%- set relation = adapter.get_relation(snapshot.database, snapshot.schema, snapshot.identifier) %}
  {%- if execute and relation is not none %}
    {%- set latest_day = "not exists (select 1 from " ~ relation ~ " where dbt_valid_from > " ~ as_of_end() ~ ")" %}
    {% do run_query(
      "delete from " ~ relation ~ " where dbt_valid_from = " ~ as_of_end() ~ " and " ~ latest_day
    ) %}
    {% do run_query(
      "update " ~ relation ~ " set dbt_valid_to = null where dbt_valid_to = " ~ as_of_end() ~ " and " ~ latest_day
    ) %}
  {%- endif %}
{% endmacro %}
