{{ config(materialized='contracted_table', post_hook="{{ universe_clock_function() }}") }}

{#-
    The security master: one row per company (security) the warehouse knows, across its ticker changes and
    apart from any later company that reuses one of its tickers. Built from the ticker map
    (marts.symbol_securities: symbol-change, delistings and our screener snapshots), the prices held per
    security (marts.security_daily_prices) and FMP's delistings.

    current_symbol is the ticker of its latest period (the one it trades under now, or last traded under);
    first_trading_day and last_trading_day bound the prices held (NULL when none are: a gap marts.symbols and
    `fmp-elt status` name). delisted_date is FMP's delisting of the ticker period that ended the security.
    A table rebuilt on every run, a few thousand rows.
-#}

-- depends_on: {{ ref('symbol_history') }}

with

periods as (

    select * from {{ ref('symbol_securities') }}

),

latest_ticker as (

    select distinct on (security_id)
        security_id,
        symbol,
        ticker_number
    from periods
    order by security_id, ticker_number desc, valid_from desc

),

first_ticker as (

    select distinct on (security_id)
        security_id,
        symbol,
        valid_from
    from periods
    order by security_id, ticker_number, valid_from

),

traded as (

    select
        security_id,
        min(price_date) as first_trading_day,
        max(price_date) as last_trading_day,
        count(*) as trading_days
    from {{ ref('security_daily_prices') }}
    group by security_id

),

-- a delisting belongs to the security whose ticker period holds its date (the period ends the day after)
delistings as (

    select
        periods.security_id,
        max(delisted.delisted_date) as delisted_date,
        max(delisted.company_name) as company_name
    from {{ ref('stg_fmp__delisted') }} as delisted
    inner join periods
        on periods.symbol = delisted.symbol
        and delisted.delisted_date >= periods.valid_from
        and delisted.delisted_date < periods.valid_to
    group by periods.security_id

),

-- a ticker with prices but no period (an explicit symbol list, never changed or delisted) is its own security
ids as (

    select security_id from periods
    union
    select security_id from traded

),

described as (

    select distinct on (symbols.security_id)
        symbols.security_id,
        symbols.company_name,
        symbols.is_listed
    from {{ ref('symbols') }} as symbols
    order by symbols.security_id, symbols.is_listed desc, symbols.last_seen_at desc

),

final as (

    select
        cast(ids.security_id as text) as security_id,
        cast(coalesce(latest_ticker.symbol, ids.security_id) as text) as current_symbol,
        cast(coalesce(first_ticker.symbol, ids.security_id) as text) as first_symbol,
        cast(coalesce(latest_ticker.ticker_number, 1) as integer) as tickers,
        cast(coalesce(described.company_name, delistings.company_name) as text) as company_name,
        cast(traded.first_trading_day as date) as first_trading_day,
        cast(traded.last_trading_day as date) as last_trading_day,
        cast(coalesce(traded.trading_days, 0) as integer) as trading_days,
        cast(delistings.delisted_date as date) as delisted_date,
        cast(coalesce(described.is_listed, false) and delistings.delisted_date is null as boolean) as is_listed
    from ids
    left join latest_ticker on latest_ticker.security_id = ids.security_id
    left join first_ticker on first_ticker.security_id = ids.security_id
    left join traded on traded.security_id = ids.security_id
    left join delistings on delistings.security_id = ids.security_id
    left join described on described.security_id = ids.security_id
    -- a ticker freed by a change or a delisting opens a period no company holds yet: not a security until
    -- prices or a listing show one
    where traded.security_id is not null
        or described.security_id is not null
        or first_ticker.valid_from = cast('-infinity' as date)

)

select * from final
