{#- One row per buyer: their first order, what happened around it and before it,
    and whether they came back. The input to repeat_purchase_drivers. -#}

with

users as (

    select * from {{ ref('dim_users') }}

),

orders as (

    select * from {{ ref('fact_orders') }}

),

user_orders as (

    select * from {{ ref('fact_user_orders') }}

),

sessions as (

    select * from {{ ref('int_sessions') }}

),

first_orders as (

    select * from orders
    where user_order_number = 1

),

behaviour_before_first_order as (

    select
        first_orders.user_id,
        count(distinct sessions.session_id) as sessions_before_first_order,
        coalesce(sum(sessions.page_views), 0) as page_views_before_first_order

    from first_orders
    inner join sessions
        on first_orders.user_id = sessions.user_id
        and first_orders.created_at >= sessions.session_started_at
    group by first_orders.user_id

),

final as (

    select
        first_orders.user_id,
        first_orders.order_id as first_order_id,
        first_orders.created_at as first_order_at,
        first_orders.promo_id is not null as used_promo,
        first_orders.order_total as first_order_total,
        first_orders.shipping_service as first_order_shipping_service,
        first_orders.delivery_delay_hours as first_delivery_delay_hours,
        case
            when first_orders.delivered_at is null then 'not delivered yet'
            when first_orders.estimated_delivery_at is null then 'no estimate'
            when first_orders.delivered_at <= first_orders.estimated_delivery_at
                then 'on time or early'
            else 'late'
        end as first_delivery_vs_estimate,
        users.state,
        coalesce(behaviour.sessions_before_first_order, 0) as sessions_before_first_order,
        coalesce(behaviour.page_views_before_first_order, 0) as page_views_before_first_order,
        user_orders.order_count,
        user_orders.is_repeat_buyer

    from first_orders
    inner join user_orders
        on first_orders.user_id = user_orders.user_id
    left join users
        on first_orders.user_id = users.user_id
    left join behaviour_before_first_order as behaviour
        on first_orders.user_id = behaviour.user_id

)

select * from final
