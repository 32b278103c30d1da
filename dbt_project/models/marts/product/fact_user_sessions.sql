{#- Incremental: the sessions with new events, each rebuilt from all its events
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

sessions as (

    select * from {{ ref('int_sessions') }}

),

{# Only final's incremental filter uses it, which sqlfluff's full-refresh render leaves out. #}
events as (  -- noqa: ST03

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
