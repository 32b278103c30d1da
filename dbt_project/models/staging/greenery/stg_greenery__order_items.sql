with

source as (

    select * from {{ source('greenery', 'order_items') }}

),

renamed as (

    select
        cast(order_id as varchar) as order_id,
        cast(product_id as varchar) as product_id,
        cast(quantity as integer) as quantity

    from source

)

select * from renamed
