{#- The run's point in time. A daily run describes the shop as of the end of its
    --as-of day (UTC), so freshness and snapshot validity are measured against
    that instant instead of the wall clock: re-running an old day gives the same
    answer as running it on the day. -#}

{% macro as_of_date() -%}
  cast('{{ var("as_of") }}' as date)
{%- endmacro %}

{% macro as_of_end() -%}
  {#- Midnight UTC that closes the --as-of day. -#}
  cast('{{ (modules.datetime.date.fromisoformat(var("as_of")) + modules.datetime.timedelta(days=1)).isoformat() }} 00:00:00' as timestamp)
{%- endmacro %}
