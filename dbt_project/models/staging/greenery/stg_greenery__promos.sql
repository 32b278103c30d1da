with

source as (

    select * from {{ source('greenery', 'promos') }}

),

renamed as (

    select
        cast(promo_id as varchar) as promo_id,
        cast(discount as integer) as discount,
        cast(status as varchar) as promo_status

    from source

)

select * from renamed
