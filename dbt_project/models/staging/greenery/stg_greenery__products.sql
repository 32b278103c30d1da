with

source as (

    select * from {{ source('greenery', 'products') }}

),

renamed as (

    select
        cast(product_id as varchar) as product_id,
        cast(name as varchar) as product_name,
        cast(price as decimal(12, 2)) as price,
        cast(inventory as integer) as inventory

    from source

)

select * from renamed
