with

source as (

    select * from {{ source('greenery', 'users') }}

),

renamed as (

    select
        cast(user_id as varchar) as user_id,
        cast(address_id as varchar) as address_id,
        cast(first_name as varchar) as first_name,
        cast(last_name as varchar) as last_name,
        cast(email as varchar) as email,
        cast(phone_number as varchar) as phone_number,
        cast(created_at as timestamp) as created_at,
        cast(updated_at as timestamp) as updated_at

    from source

)

select * from renamed
