{#- Incremental: every session with an event since the last build is rebuilt from
    all its events, so a session begun on an earlier day that gets new events (such
    as its order's package_shipped, days after the checkout) is brought up to date. -#}
{{
    config(
        materialized='incremental',
        unique_key='session_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail'
    )
}}

with

sessions as (

    select * from {{ ref('int_sessions') }}

),

events as (

    select * from {{ ref('stg_greenery__events') }}

),

final as (

    select
        session_id,
        user_id,
        session_started_at,
        session_ended_at,
        session_length_minutes,
        page_views,
        add_to_carts,
        checkouts,
        packages_shipped,
        distinct_products_viewed,
        order_id,
        is_converted

    from sessions
    {% if is_incremental() %}
    {{ where_session_has_events_since('events', 'session_ended_at') }}
    {% endif %}

)

select * from final
