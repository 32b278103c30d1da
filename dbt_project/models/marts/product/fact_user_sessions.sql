with

sessions as (

    select * from {{ ref('int_sessions') }}

),

final as (

    select
        session_id,
        user_id,
        session_started_at,
        session_ended_at,
        session_length_minutes,
        page_views,
        add_to_carts,
        checkouts,
        packages_shipped,
        distinct_products_viewed,
        order_id,
        is_converted

    from sessions

)

select * from final
