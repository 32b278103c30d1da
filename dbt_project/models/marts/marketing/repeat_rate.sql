with

user_orders as (

    select * from {{ ref('fact_user_orders') }}

),

counts as (

    select
        count(case when order_count >= 1 then 1 end) as purchasers,
        count(case when order_count >= 2 then 1 end) as repeat_purchasers

    from user_orders

),

final as (

    select
        {{ as_of_date() }} as as_of_date,
        purchasers,
        repeat_purchasers,
        case
            when purchasers > 0 then round(repeat_purchasers * 1.0 / purchasers, 4)
        end as repeat_rate

    from counts

)

select * from final
