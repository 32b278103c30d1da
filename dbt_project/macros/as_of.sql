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

{% macro last_complete_day() -%}
  {#- The --as-of day once it has ended; during the day itself (a morning run for
      today), the day before, so a day's volume is only judged when it is whole. -#}
  {%- set as_of = modules.datetime.date.fromisoformat(var("as_of")) -%}
  {%- set day = as_of if run_started_at.date() > as_of else as_of - modules.datetime.timedelta(days=1) -%}
  cast('{{ day.isoformat() }}' as date)
{%- endmacro %}
