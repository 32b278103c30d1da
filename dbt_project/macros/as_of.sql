{#- The run's point in time. A daily run describes the shop as of the end of its
    --as-of day (UTC), so freshness and snapshot validity are measured against
    that instant instead of the wall clock: re-running an old day gives the same
    answer as running it on the day. -#}

{% macro as_of_day() -%}
  {#- The day, YYYY-MM-DD: `--vars '{"as_of": ...}'` when given, else the
      GREENERY_AS_OF environment variable, which the flow sets. A new value of a
      var makes dbt parse the whole project again (seconds, every day); a new value
      of an environment variable only the files that use it. -#}
  {{- return(var("as_of", none) or env_var("GREENERY_AS_OF", "2021-02-12")) -}}
{%- endmacro %}

{% macro as_of_date() -%}
  cast('{{ as_of_day() }}' as date)
{%- endmacro %}

{% macro as_of_end() -%}
  {#- Midnight UTC that closes the --as-of day. -#}
  cast('{{ (modules.datetime.date.fromisoformat(as_of_day()) + modules.datetime.timedelta(days=1)).isoformat() }} 00:00:00' as timestamp)
{%- endmacro %}

{% macro last_complete_day() -%}
  {#- The --as-of day once it has ended; during the day itself (a morning run for
      today), the day before, so a day's volume is only judged when it is whole. -#}
  {%- set as_of = modules.datetime.date.fromisoformat(as_of_day()) -%}
  {%- set day = as_of if run_started_at.date() > as_of else as_of - modules.datetime.timedelta(days=1) -%}
  cast('{{ day.isoformat() }}' as date)
{%- endmacro %}
