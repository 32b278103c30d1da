with

events as (

    select * from {{ ref('stg_greenery__events') }}

),

products as (

    select * from {{ ref('dim_products') }}

),

users as (

    select * from {{ ref('dim_users') }}

),

page_views as (

    select * from events
    where event_type = 'page_view'

),

final as (

    select
        page_views.event_id,
        page_views.session_id,
        page_views.user_id,
        page_views.product_id,
        products.name as product_name,
        products.price as product_price,
        page_views.page_url,
        {{ url_last_segment('page_views.page_url') }} as page_url_product_id,
        page_views.created_at as viewed_at,
        users.state,
        users.country,
        users.created_at as user_created_at

    from page_views
    left join products
        on page_views.product_id = products.product_id
    left join users
        on page_views.user_id = users.user_id

)

select * from final
