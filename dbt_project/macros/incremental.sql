{#- Incremental models rebuild only what a day changed. They re-read source rows
    from a little before the newest row they already hold, so that rows landing up
    to var('late_arrival_days') days late are still picked up; an empty model
    re-reads everything. `--full-refresh` rebuilds them from all of history. -#}

{% macro reread_from(watermark_column) -%}
  (
    select coalesce(
      {{ dbt.dateadd('day', -var('late_arrival_days'), 'max(' ~ watermark_column ~ ')') }},
      cast('1900-01-01' as timestamp)
    )
    from {{ this }}
  )
{%- endmacro %}

{#- The where clause of an incremental session model's build: only the sessions with
    an event in `events` (a relation or CTE with session_id and created_at) since the
    model's `watermark_column`, less the late-arrival allowance, each to be rebuilt from
    all its events: a session begun on an earlier day that gets new events (such as its
    order's package_shipped, days after the checkout) is brought up to date. The model calls it under is_incremental() itself, so that unit
    tests can set is_incremental (dbt overrides only macros a model calls directly). -#}

{% macro where_session_has_events_since(events, watermark_column) -%}
    where session_id in (
        select session_id
        from {{ events }}
        where created_at >= {{ reread_from(watermark_column) }}
    )
{%- endmacro %}
