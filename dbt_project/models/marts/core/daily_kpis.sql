{#- The shop's KPIs, one row per day: the morning report (flows/kpis/) and its checks
    (kpis.yml) read them.

    A day's orders are counted as the orders snapshot recorded them at the end of that day
    (orders_recorded_at): an order that landed late, or changed later, does not change a
    day already reported. A day without a snapshot of its own (before the first one, or a
    day no run recorded) takes the next snapshot's records, and says so
    (is_recorded_on_the_day is false). Sessions come from the events, which do not change.

    Incremental: a run adds the days after the last one kept, up to the last complete day
    (its --as-of day, or the day before for a run during that day, such as the scheduled
    morning run: a day's row is never made from part of it), and replaces that day's row
    when run again; earlier rows are kept as they were reported. --full-refresh rebuilds
    every day from the snapshots and the events. -#}
{{
    config(
        materialized='incremental',
        unique_key='kpi_date',
        incremental_strategy='delete+insert',
        on_schema_change='fail'
    )
}}

with

sessions as (

    select * from {{ ref('int_sessions') }}

),

session_product_views as (

    select * from {{ ref('int_session_product_views') }}

),

products as (

    select * from {{ ref('stg_greenery__products') }}

),

order_versions as (

    select * from {{ ref('orders_snapshot') }}

),

{# Every day from the first session's to the run's, a day without activity included: up to
   a century of them, without asking the warehouse how many at compile time. #}
day_numbers as (

    {{ dbt.generate_series(36525) }}

),

first_day as (

    select min(cast(session_started_at as date)) as first_kpi_date
    from sessions

),

all_days as (

    select
        cast(
            {{ dbt.dateadd('day', 'day_numbers.generated_number - 1', 'first_day.first_kpi_date') }}
            as date
        ) as kpi_date

    from day_numbers
    cross join first_day

),

days as (

    select
        kpi_date,
        cast({{ dbt.dateadd('day', 1, 'kpi_date') }} as {{ dbt.type_timestamp() }}) as day_end

    from all_days
    where
        kpi_date <= {{ last_complete_day() }}
    {% if is_incremental() %}
        and (
            kpi_date > (select max(kpi_date) from {{ this }})
            or kpi_date = {{ last_complete_day() }}
        )
    {% endif %}

),

snapshot_moments as (

    select distinct dbt_valid_from as recorded_at
    from order_versions

),

day_records as (

    select
        days.kpi_date,
        days.day_end,
        -- None after the day's end: the latest snapshot found no order new or changed
        -- since, so the orders stand as they were at the day's end.
        coalesce(min(snapshot_moments.recorded_at), days.day_end) as orders_recorded_at

    from days
    left join snapshot_moments
        on days.day_end <= snapshot_moments.recorded_at
    group by days.kpi_date, days.day_end

),

orders_as_recorded as (

    select
        day_records.kpi_date,
        order_versions.order_id,
        order_versions.user_id,
        order_versions.order_total,
        {{ dbt.datediff('order_versions.created_at', 'order_versions.delivered_at', 'second') }}
        / 3600.0 as delivery_hours,
        cast(order_versions.created_at as date) = day_records.kpi_date as is_placed_that_day,
        cast(order_versions.delivered_at as date) = day_records.kpi_date as is_delivered_that_day

    from day_records
    inner join order_versions
        on day_records.orders_recorded_at >= order_versions.dbt_valid_from
        and (
            day_records.orders_recorded_at < order_versions.dbt_valid_to
            or order_versions.dbt_valid_to is null
        )
        and day_records.day_end > order_versions.created_at

),

orders_per_day as (

    select
        kpi_date,
        count(case when is_placed_that_day then 1 end) as orders,
        sum(case when is_placed_that_day then order_total end) as revenue,
        count(case when is_delivered_that_day then 1 end) as orders_delivered,
        avg(case when is_delivered_that_day then delivery_hours end) as mean_delivery_hours

    from orders_as_recorded
    group by kpi_date

),

orders_per_customer as (

    select
        kpi_date,
        user_id,
        count(*) as orders_so_far

    from orders_as_recorded
    group by kpi_date, user_id

),

customers_per_day as (

    select
        kpi_date,
        count(*) as purchasers,
        count(case when orders_so_far >= 2 then 1 end) as repeat_purchasers

    from orders_per_customer
    group by kpi_date

),

sessions_per_day as (

    select
        cast(session_started_at as date) as kpi_date,
        count(*) as sessions,
        count(case when is_converted then 1 end) as converting_sessions,
        count(case when add_to_carts > 0 then 1 end) as sessions_adding_to_cart

    from sessions
    group by cast(session_started_at as date)

),

product_conversion as (

    select
        cast(sessions.session_started_at as date) as kpi_date,
        session_product_views.product_id,
        count(*) as viewing_sessions,
        count(case when session_product_views.is_purchased then 1 end) as purchasing_sessions

    from session_product_views
    inner join sessions
        on session_product_views.session_id = sessions.session_id
    group by cast(sessions.session_started_at as date), session_product_views.product_id

),

ranked_products as (

    select
        product_conversion.kpi_date,
        products.product_name,
        round(
            product_conversion.purchasing_sessions * 100.0 / product_conversion.viewing_sessions,
            1
        ) as conversion_percent,
        row_number() over (
            partition by product_conversion.kpi_date
            order by
                product_conversion.purchasing_sessions * 1.0 / product_conversion.viewing_sessions
                desc,
                product_conversion.viewing_sessions desc,
                products.product_name asc
        ) as product_rank

    from product_conversion
    inner join products
        on product_conversion.product_id = products.product_id
    where product_conversion.viewing_sessions >= {{ var('top_products_min_viewing_sessions') }}

),

top_products as (

    select
        kpi_date,
        {{ dbt.listagg(
            dbt.concat(['product_name', "' ('", dbt.cast('conversion_percent', dbt.type_string()), "'%)'"]),
            "', '",
            'order by product_rank'
        ) }} as top_products_by_conversion

    from ranked_products
    where product_rank <= 3
    group by kpi_date

),

final as (

    select
        day_records.kpi_date,
        coalesce(sessions_per_day.sessions, 0) as sessions,
        coalesce(sessions_per_day.converting_sessions, 0) as converting_sessions,
        round(sessions_per_day.converting_sessions * 1.0 / sessions_per_day.sessions, 4)
            as conversion_rate,
        round(sessions_per_day.sessions_adding_to_cart * 1.0 / sessions_per_day.sessions, 4)
            as add_to_cart_rate,
        coalesce(orders_per_day.orders, 0) as orders,
        cast(coalesce(orders_per_day.revenue, 0) as decimal(14, 2)) as revenue,
        cast(
            round(orders_per_day.revenue / nullif(orders_per_day.orders, 0), 2) as decimal(14, 2)
        ) as average_order_value,
        coalesce(customers_per_day.purchasers, 0) as purchasers,
        coalesce(customers_per_day.repeat_purchasers, 0) as repeat_purchasers,
        round(customers_per_day.repeat_purchasers * 1.0 / customers_per_day.purchasers, 4)
            as repeat_rate,
        coalesce(orders_per_day.orders_delivered, 0) as orders_delivered,
        round(orders_per_day.mean_delivery_hours, 2) as mean_delivery_hours,
        top_products.top_products_by_conversion,
        day_records.orders_recorded_at,
        day_records.orders_recorded_at = day_records.day_end as is_recorded_on_the_day

    from day_records
    left join sessions_per_day
        on day_records.kpi_date = sessions_per_day.kpi_date
    left join orders_per_day
        on day_records.kpi_date = orders_per_day.kpi_date
    left join customers_per_day
        on day_records.kpi_date = customers_per_day.kpi_date
    left join top_products
        on day_records.kpi_date = top_products.kpi_date

)

select * from final
