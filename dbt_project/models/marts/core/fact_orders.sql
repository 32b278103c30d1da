with

orders as (

    select * from {{ ref('stg_greenery__orders') }}

),

promos as (

    select * from {{ ref('stg_greenery__promos') }}

),

order_items as (

    select * from {{ ref('int_order_items_rolled_up_to_orders') }}

),

checkouts as (

    select
        order_id,
        min(session_id) as session_id

    from {{ ref('stg_greenery__events') }}
    where event_type = 'checkout'
    group by order_id

),

final as (

    select
        orders.order_id,
        orders.user_id,
        orders.promo_id,
        coalesce(promos.discount, 0) as promo_discount,
        orders.address_id,
        checkouts.session_id,
        orders.created_at,
        orders.order_cost,
        orders.shipping_cost,
        orders.order_total,
        orders.status,
        orders.shipping_service,
        orders.tracking_id,
        orders.estimated_delivery_at,
        orders.delivered_at,
        {{ hours_between('orders.created_at', 'orders.delivered_at') }} as delivery_hours,
        {{ hours_between('orders.estimated_delivery_at', 'orders.delivered_at') }}
            as delivery_delay_hours,
        coalesce(order_items.item_quantity, 0) as item_quantity,
        coalesce(order_items.distinct_products, 0) as distinct_products,
        row_number() over (
            partition by orders.user_id
            order by orders.created_at, orders.order_id
        ) as user_order_number

    from orders
    left join promos
        on orders.promo_id = promos.promo_id
    left join order_items
        on orders.order_id = order_items.order_id
    left join checkouts
        on orders.order_id = checkouts.order_id

)

select * from final
