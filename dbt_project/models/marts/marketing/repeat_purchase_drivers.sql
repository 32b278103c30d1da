{#- "What indicates a user will likely buy again?" For each factor the data
    holds about a buyer's first order, the repeat rate of each group of buyers
    and how far it sits from the rate of all buyers. -#}

{%- set factors = [
    ('used a promo on the first order',
        "case when used_promo then 'yes' else 'no' end"),
    ('first order total',
        "case when first_order_total < 50 then 'under $50'
              when first_order_total < 100 then '$50 to $99'
              when first_order_total < 200 then '$100 to $199'
              else '$200 and more' end"),
    ('first delivery against its estimate', 'first_delivery_vs_estimate'),
    ('first order shipping service',
        "coalesce(first_order_shipping_service, 'not shipped yet')"),
    ('page views up to the first order',
        "case when page_views_before_first_order <= 3 then '1 to 3'
              when page_views_before_first_order <= 6 then '4 to 6'
              else '7 and more' end"),
    ('sessions up to the first order',
        "case when sessions_before_first_order <= 1 then '1'
              else '2 and more' end"),
    ('state', "coalesce(state, 'unknown')"),
] -%}

with

first_orders as (

    select * from {{ ref('fact_first_orders') }}

),

all_buyers as (

    select count(case when is_repeat_buyer then 1 end) * 1.0 / count(*) as repeat_rate

    from first_orders

),

by_factor as (

    {% for factor, expression in factors %}
    select
        '{{ factor }}' as factor,
        {{ expression }} as factor_value,
        count(*) as buyers,
        count(case when is_repeat_buyer then 1 end) as repeat_buyers

    from first_orders
    group by 1, 2
    {% if not loop.last %}
    union all
    {% endif %}
    {%- endfor %}

),

final as (

    select
        by_factor.factor,
        by_factor.factor_value,
        by_factor.buyers,
        by_factor.repeat_buyers,
        round(by_factor.repeat_buyers * 1.0 / by_factor.buyers, 4) as repeat_rate,
        round(by_factor.repeat_buyers * 1.0 / by_factor.buyers - all_buyers.repeat_rate, 4)
            as repeat_rate_vs_all_buyers

    from by_factor
    cross join all_buyers

)

select * from final
