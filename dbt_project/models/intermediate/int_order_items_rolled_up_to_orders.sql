with

order_items as (

    select * from {{ ref('stg_greenery__order_items') }}

),

rolled_up as (

    select
        order_id,
        sum(quantity) as item_quantity,
        count(distinct product_id) as distinct_products

    from order_items
    group by order_id

)

select * from rolled_up
