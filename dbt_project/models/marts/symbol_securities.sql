{{ config(materialized='contracted_table') }}

{#-
    Which company a ticker meant when: one row per ticker period, with the security it belongs to.

    A ticker's periods are cut where it stops meaning its company: on the day it was changed away (the old
    ticker is free from then on, and a later use is another company's) and the day after a delisting. A ticker
    change links the old ticker's period ending on the change day to the new ticker's period holding that day,
    so FMP's habit of serving the whole history under the new ticker lands in the same security. A security's
    id is its first ticker, followed by `@` and the day its period starts when that ticker had been used
    before (`ABC`, then `ABC@2024-05-01` for the next company to list as ABC): stable across ticker changes,
    never shared by two companies.

    A ticker with prices but no row here (fetched by an explicit list, never changed or delisted) is its own
    security: marts.daily_prices falls back to the ticker.

    Periods run from valid_from (inclusive, '-infinity' for a ticker's first period) to valid_to (exclusive,
    'infinity' while open), so a price day joins with `price_date >= valid_from and price_date < valid_to`.
-#}

with recursive

changes as (

    select old_symbol, new_symbol, change_date from {{ ref('stg_fmp__symbol_changes') }}

),

delistings as (

    select symbol, delisted_date from {{ ref('stg_fmp__delisted') }}

),

tickers as (

    select symbol from {{ ref('stg_fmp__symbols') }}
    union
    select old_symbol from changes
    union
    select new_symbol from changes
    union
    select symbol from delistings

),

boundaries as (

    select symbol, cast('-infinity' as date) as starts from tickers
    union
    select old_symbol, change_date from changes
    union
    select symbol, delisted_date + 1 from delistings

),

periods as (

    select
        symbol,
        starts as valid_from,
        coalesce(lead(starts) over (partition by symbol order by starts), cast('infinity' as date)) as valid_to
    from boundaries

),

links as (

    select
        old_period.symbol as from_symbol,
        old_period.valid_from as from_valid_from,
        new_period.symbol as to_symbol,
        new_period.valid_from as to_valid_from
    from changes
    inner join periods as old_period
        on old_period.symbol = changes.old_symbol
        and old_period.valid_to = changes.change_date
    inner join periods as new_period
        on new_period.symbol = changes.new_symbol
        and changes.change_date >= new_period.valid_from
        and changes.change_date < new_period.valid_to

),

chains as (

    select
        periods.symbol,
        periods.valid_from,
        case
            when periods.valid_from = cast('-infinity' as date) then periods.symbol
            else periods.symbol || '@' || cast(periods.valid_from as text)
        end as security_id,
        1 as ticker_number
    from periods
    where not exists (
        select 1 from links
        where links.to_symbol = periods.symbol and links.to_valid_from = periods.valid_from
    )

    union all

    select
        links.to_symbol,
        links.to_valid_from,
        chains.security_id,
        chains.ticker_number + 1
    from chains
    inner join links
        on links.from_symbol = chains.symbol
        and links.from_valid_from = chains.valid_from
    where chains.ticker_number < 100

),

-- a period reached by two chains (two companies renamed to one ticker without it being freed): the longest wins
chosen as (

    select distinct on (symbol, valid_from) *
    from chains
    order by symbol, valid_from, ticker_number desc, security_id

),

final as (

    select
        cast(periods.symbol as text) as symbol,
        cast(periods.valid_from as date) as valid_from,
        cast(periods.valid_to as date) as valid_to,
        cast(chosen.security_id as text) as security_id,
        cast(chosen.ticker_number as integer) as ticker_number
    from periods
    inner join chosen
        on chosen.symbol = periods.symbol
        and chosen.valid_from = periods.valid_from

)

select * from final
