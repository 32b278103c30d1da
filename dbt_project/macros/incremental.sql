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
