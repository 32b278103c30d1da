{#- Incremental: a day adds its new orders and rebuilds the orders that changed
    (status, shipping, delivery, amounts, promo or address). Raw orders have no
    updated_at, so a change is found by comparing with the row already built. All
    orders of a customer with a new or changed order are rebuilt, which keeps
    user_order_number right. An order's items and checkout land with the order. -#}
{{
    config(
        materialized='incremental',
        unique_key='order_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail'
    )
}}

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

{% if is_incremental() %}

built as (

    select * from {{ this }}

),

changed_orders as (

    select
        orders.user_id,
        built.user_id as built_user_id

    from orders
    left join promos
        on orders.promo_id = promos.promo_id
    left join built
        on orders.order_id = built.order_id
    where
        built.order_id is null
        or orders.user_id is distinct from built.user_id
        or orders.promo_id is distinct from built.promo_id
        or coalesce(promos.discount, 0) is distinct from built.promo_discount
        or orders.address_id is distinct from built.address_id
        or orders.created_at is distinct from built.created_at
        or orders.order_cost is distinct from built.order_cost
        or orders.shipping_cost is distinct from built.shipping_cost
        or orders.order_total is distinct from built.order_total
        or orders.status is distinct from built.status
        or orders.shipping_service is distinct from built.shipping_service
        or orders.tracking_id is distinct from built.tracking_id
        or orders.estimated_delivery_at is distinct from built.estimated_delivery_at
        or orders.delivered_at is distinct from built.delivered_at

),

customers_with_changed_orders as (

    select user_id from changed_orders
    union
    select built_user_id from changed_orders

),

{% endif %}

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
    {% if is_incremental() %}
    where
        orders.user_id in (
            select customers_with_changed_orders.user_id from customers_with_changed_orders
        )
    {% endif %}

)

select * from final
