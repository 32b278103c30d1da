with

products as (

    select * from {{ ref('dim_products') }}

),

session_product_views as (

    select * from {{ ref('int_session_product_views') }}

),

per_product as (

    select
        product_id,
        count(distinct session_id) as viewing_sessions,
        count(distinct case when is_purchased then session_id end) as purchasing_sessions

    from session_product_views
    group by product_id

),

final as (

    select
        products.product_id,
        products.name as product_name,
        coalesce(per_product.viewing_sessions, 0) as viewing_sessions,
        coalesce(per_product.purchasing_sessions, 0) as purchasing_sessions,
        case
            when per_product.viewing_sessions > 0
                then round(per_product.purchasing_sessions * 1.0 / per_product.viewing_sessions, 4)
        end as conversion_rate

    from products
    left join per_product
        on products.product_id = per_product.product_id

)

select * from final
