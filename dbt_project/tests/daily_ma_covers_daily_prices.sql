{#- Every trading row of daily_prices has its moving-average row, with the same close, and nothing else. -#}
select
    coalesce(prices.symbol, averages.symbol) as symbol,
    coalesce(prices.price_date, averages.price_date) as price_date,
    prices.close as price_close,
    averages.close as average_close
from {{ ref('daily_prices') }} as prices
full outer join {{ ref('daily_ma') }} as averages
    on prices.symbol = averages.symbol
    and prices.price_date = averages.price_date
where
    prices.symbol is null
    or averages.symbol is null
    or prices.close is distinct from averages.close
