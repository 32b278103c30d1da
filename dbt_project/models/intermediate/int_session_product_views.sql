{#- One row per product viewed in a session, with whether that session's
    checked-out order contains the product. -#}

with

events as (

    select * from {{ ref('stg_greenery__events') }}

),

sessions as (

    select * from {{ ref('int_sessions') }}

),

order_items as (

    select * from {{ ref('stg_greenery__order_items') }}

),

viewed_products as (

    select distinct
        session_id,
        product_id

    from events
    where event_type = 'page_view'

),

final as (

    select
        viewed_products.session_id,
        viewed_products.product_id,
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
