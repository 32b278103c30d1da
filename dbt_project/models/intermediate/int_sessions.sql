{#- Sessionisation: one row per browsing session, from its events. The shop's
    package_shipped event is filed under the session of the order's checkout but
    happens hours or days later, so a session's start, end and length count the
    customer's own events only.

    Incremental: the sessions with new events, each rebuilt from all its events
    (macros/incremental.sql, where_session_has_events_since). -#}
{{
    config(
        materialized='incremental',
        unique_key='session_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail'
    )
}}

with

all_events as (

    select * from {{ ref('stg_greenery__events') }}

),

events as (

    select * from all_events
    {% if is_incremental() %}
    {{ where_session_has_events_since('all_events', 'session_ended_at') }}
    {% endif %}

),

sessions as (

    select
        session_id,
        min(user_id) as user_id,
        min(case when event_type <> 'package_shipped' then created_at end) as session_started_at,
        max(case when event_type <> 'package_shipped' then created_at end) as session_ended_at,
        count(case when event_type = 'page_view' then 1 end) as page_views,
        count(case when event_type = 'add_to_cart' then 1 end) as add_to_carts,
        count(case when event_type = 'checkout' then 1 end) as checkouts,
        count(case when event_type = 'package_shipped' then 1 end) as packages_shipped,
        count(distinct case when event_type = 'page_view' then product_id end)
            as distinct_products_viewed,
        max(case when event_type = 'checkout' then order_id end) as order_id

    from events
    group by session_id

),

final as (

    select
        session_id,
        user_id,
        session_started_at,
        session_ended_at,
        round(
            {{ dbt.datediff('session_started_at', 'session_ended_at', 'second') }}
            / 60.0,
            2
        ) as session_length_minutes,
        page_views,
        add_to_carts,
        checkouts,
        packages_shipped,
        distinct_products_viewed,
        order_id,
        checkouts > 0 as is_converted

    from sessions

)

select * from final
