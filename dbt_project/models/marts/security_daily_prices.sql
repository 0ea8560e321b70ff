{{ config(materialized='contracted_table', indexes=[{'columns': ['symbol', 'price_date']}]) }}

{#-
    One continuous daily history per company across its ticker changes: marts.daily_prices keyed by security
    instead of ticker. Where FMP served a day under the old ticker and again under the new one, the day is
    kept once, from the later ticker (the history FMP maintains now, re-adjusted for later splits). A ticker
    reused by another company is another security (see symbol_securities), so the two are never merged.
-#}

with

prices as (

    select * from {{ ref('daily_prices') }}

),

periods as (

    select * from {{ ref('symbol_securities') }}

),

ranked as (

    select distinct on (prices.security_id, prices.price_date)
        prices.*
    from prices
    left join periods
        on periods.symbol = prices.symbol
        and prices.price_date >= periods.valid_from
        and prices.price_date < periods.valid_to
    order by prices.security_id, prices.price_date, periods.ticker_number desc nulls last, prices.symbol

),

final as (

    select
        cast(security_id as text) as security_id,
        cast(price_date as date) as price_date,
        cast(symbol as text) as symbol,
        cast(open as numeric) as open,
        cast(high as numeric) as high,
        cast(low as numeric) as low,
        cast(close as numeric) as close,
        cast(adj_close as numeric) as adj_close,
        cast(volume as bigint) as volume
    from ranked

)

select * from final
