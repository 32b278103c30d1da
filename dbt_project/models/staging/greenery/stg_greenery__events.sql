with

source as (

    select * from {{ source('greenery', 'events') }}

),

renamed as (

    select
        cast(event_id as varchar) as event_id,
        cast(session_id as varchar) as session_id,
        cast(user_id as varchar) as user_id,
        cast(event_type as varchar) as event_type,
        cast(page_url as varchar) as page_url,
        cast(order_id as varchar) as order_id,
        cast(product_id as varchar) as product_id,
        cast(created_at as timestamp) as created_at

    from source

)

select * from renamed
