{#- dbt asks these two macros for "now" when it versions snapshots and measures
    source freshness. Both answer with the end of the --as-of day (see as_of.sql). -#}

{% macro default__snapshot_get_time() -%}
  {{ as_of_end() }}
{%- endmacro %}

{% macro default__collect_freshness(source, loaded_at_field, filter) %}
  {% call statement('collect_freshness', fetch_result=True, auto_begin=False) -%}
    select
      max({{ loaded_at_field }}) as max_loaded_at,
      {{ as_of_end() }} as snapshotted_at
    from {{ source }}
    {% if filter %}
    where {{ filter }}
    {% endif %}
  {% endcall %}
  {{ return(load_result('collect_freshness')) }}
{% endmacro %}
