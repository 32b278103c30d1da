{#- Incremental: a day adds its page views. Views already built are rebuilt when
    their product was renamed or repriced or their viewer's account changed, so the
    table always equals a full rebuild. -#}
{{
    config(
        materialized='incremental',
        unique_key='event_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail'
    )
}}

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

{% if is_incremental() %}

built_products as (

    select distinct
        product_id,
        product_name,
        product_price

    from {{ this }}

),

built_viewers as (

    select distinct
        user_id,
        state,
        country,
        user_created_at

    from {{ this }}

),

changed_products as (

    select built_products.product_id

    from built_products
    left join products
        on built_products.product_id = products.product_id
    where
        built_products.product_name is distinct from products.name
        or built_products.product_price is distinct from products.price

),

changed_viewers as (

    select built_viewers.user_id

    from built_viewers
    left join users
        on built_viewers.user_id = users.user_id
    where
        built_viewers.state is distinct from users.state
        or built_viewers.country is distinct from users.country
        or built_viewers.user_created_at is distinct from users.created_at

),

{% endif %}

page_views as (

    select * from events
    where event_type = 'page_view'
    {% if is_incremental() %}
        and (
            created_at >= {{ reread_from('viewed_at') }}
            or product_id in (select changed_products.product_id from changed_products)
            or user_id in (select changed_viewers.user_id from changed_viewers)
        )
    {% endif %}

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
