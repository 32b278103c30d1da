{#- A volume anomaly: the last complete day (see as_of.sql) has fewer rows than
    `min_share` of the median of the `history_days` days before it, which means part of
    the day's data never arrived (an export cut short, a tracking outage). Returns that
    day. Not judged: a table with fewer than `min_history_days` days of history, and a
    day without any rows, which is source freshness's call (a warning, then an error). -#}
{% test daily_volume_not_below_usual(model, column_name, min_share=0.5, history_days=7, min_history_days=2) %}

with

daily_rows as (
    select
        cast({{ column_name }} as date) as day,
        count(*) as row_count
    from {{ model }}
    where
        cast({{ column_name }} as date)
        between {{ dbt.dateadd('day', -history_days, last_complete_day()) }}
        and {{ last_complete_day() }}
    group by 1
),

usual as (
    select
        median(row_count) as usual_row_count,
        count(*) as days_of_history
    from daily_rows
    where day < {{ last_complete_day() }}
),

judged as (
    select
        {{ last_complete_day() }} as day,
        coalesce(
            (select row_count from daily_rows where day = {{ last_complete_day() }}), 0
        ) as row_count,
        usual_row_count,
        days_of_history
    from usual
),

final as (
    select
        day,
        row_count,
        usual_row_count
    from judged
    where
        days_of_history >= {{ min_history_days }}
        and row_count > 0
        and row_count < {{ min_share }} * usual_row_count
)

select * from final

{% endtest %}
