with

source as (

    select * from {{ source('greenery', 'orders') }}

),

renamed as (

    select
        cast(order_id as varchar) as order_id,
        cast(user_id as varchar) as user_id,
        cast(promo_id as varchar) as promo_id,
        cast(address_id as varchar) as address_id,
        cast(created_at as timestamp) as created_at,
        cast(order_cost as decimal(12, 2)) as order_cost,
        cast(shipping_cost as decimal(12, 2)) as shipping_cost,
        cast(order_total as decimal(12, 2)) as order_total,
        cast(tracking_id as varchar) as tracking_id,
        cast(shipping_service as varchar) as shipping_service,
        cast(estimated_delivery_at as timestamp) as estimated_delivery_at,
        cast(delivered_at as timestamp) as delivered_at,
        cast(status as varchar) as status

    from source

)

select * from renamed
