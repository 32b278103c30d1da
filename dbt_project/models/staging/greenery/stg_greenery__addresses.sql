with

source as (

    select * from {{ source('greenery', 'addresses') }}

),

renamed as (

    select
        cast(address_id as varchar) as address_id,
        cast(address as varchar) as address,
        -- the shop stores zip codes as integers, dropping leading zeros
        lpad(cast(zipcode as varchar), 5, '0') as zipcode,
        cast(state as varchar) as state,
        cast(country as varchar) as country

    from source

)

select * from renamed
