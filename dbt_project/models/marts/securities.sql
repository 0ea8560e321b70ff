{{ config(materialized='contracted_table', post_hook="{{ universe_clock_function() }}") }}

{#-
    The security master: one row per company (security) the warehouse knows, across its ticker changes and
    apart from any later company that reuses one of its tickers. Built from the ticker map
    (marts.symbol_securities: symbol-change, delistings and our screener snapshots), the prices held
    (marts.daily_prices, keyed by security), our screener snapshots (marts.symbol_history) and FMP's
    delistings.

    current_symbol is the ticker of its latest period (the one it trades under now, or last traded under);
    first_trading_day and last_trading_day bound the prices held (NULL when none are: a gap marts.symbols and
    `fmp-elt status` name). delisted_date is FMP's delisting of the ticker period that ended the security.
    A table rebuilt on every run, a few thousand rows.
-#}

with

periods as (

    select * from {{ ref('symbol_securities') }}

),

latest_ticker as (

    select distinct on (security_id)
        security_id,
        symbol,
        ticker_number,
        valid_to
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

-- the days held per security, each once (FMP serves a renamed company's days again under its new ticker)
traded as (

    select
        security_id,
        min(price_date) as first_trading_day,
        max(price_date) as last_trading_day,
        count(distinct price_date) as trading_days
    from {{ ref('daily_prices') }}
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

-- the company as our screener snapshots last showed its latest ticker (before that ticker moved on), and
-- whether that ticker is in the latest snapshot still
described as (

    select distinct on (latest_ticker.security_id)
        latest_ticker.security_id,
        history.company_name,
        history.valid_to is null and latest_ticker.valid_to = cast('infinity' as date) as is_listed
    from latest_ticker
    inner join {{ ref('symbol_history') }} as history
        on history.symbol = latest_ticker.symbol
        and cast(history.valid_from at time zone 'UTC' as date) < latest_ticker.valid_to
    order by latest_ticker.security_id, history.valid_from desc

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
    -- a ticker freed by a change or a delisting opens a period that no company holds until prices show one
    where traded.security_id is not null or first_ticker.valid_from = cast('-infinity' as date)

)

select * from final
