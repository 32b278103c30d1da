{#- One row per observed change of a product's inventory or price, from the
    products snapshot. changed_at is the end of the --as-of day on which the
    change was first seen. -#}

with

snapshot as (

    select * from {{ ref('products_snapshot') }}

),

versions as (

    select
        product_id,
        cast(name as varchar) as product_name,
        cast(inventory as integer) as inventory,
        cast(price as decimal(12, 2)) as price,
        dbt_valid_from,
        lag(cast(inventory as integer)) over (
            partition by product_id order by dbt_valid_from
        ) as inventory_before,
        lag(cast(price as decimal(12, 2))) over (
            partition by product_id order by dbt_valid_from
        ) as price_before

    from snapshot

),

final as (

    select
        {{ dbt.concat(['product_id', "'@'", "cast(dbt_valid_from as varchar)"]) }} as change_id,
        product_id,
        product_name,
        dbt_valid_from as changed_at,
        inventory_before,
        inventory as inventory_after,
        inventory - inventory_before as inventory_change,
        price_before,
        price as price_after

    from versions
    where
        inventory_before is not null
        and (inventory <> inventory_before or price <> price_before)

)

select * from final
