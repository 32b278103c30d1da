{#- One row per product viewed in a session, with whether that session's
    checked-out order contains the product.

    Incremental: the rows of every session with an event since the last build are
    rebuilt, so a view or a checkout later in a session already built updates it. -#}
{{
    config(
        materialized='incremental',
        unique_key=['session_id', 'product_id'],
        incremental_strategy='delete+insert',
        on_schema_change='fail'
    )
}}

with

all_events as (

    select * from {{ ref('stg_greenery__events') }}

),

sessions as (

    select * from {{ ref('int_sessions') }}

),

order_items as (

    select * from {{ ref('stg_greenery__order_items') }}

),

events as (

    select * from all_events
    {% if is_incremental() %}
    {{ where_session_has_events_since('all_events', 'last_viewed_at') }}
    {% endif %}

),

viewed_products as (

    select
        session_id,
        product_id,
        max(created_at) as last_viewed_at

    from events
    where event_type = 'page_view'
    group by session_id, product_id

),

final as (

    select
        viewed_products.session_id,
        viewed_products.product_id,
        viewed_products.last_viewed_at,
        sessions.order_id,
        order_items.order_id is not null as is_purchased

    from viewed_products
    inner join sessions
        on viewed_products.session_id = sessions.session_id
    left join order_items
        on sessions.order_id = order_items.order_id
        and viewed_products.product_id = order_items.product_id

)

select * from final
