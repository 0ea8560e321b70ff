{{ config(materialized='contracted_table') }}

{#-
    The screener's universe over time, from every company-screener answer landed: one row per stretch of
    consecutive screener runs in which a symbol was listed with the same attributes. A stretch starts at the run
    that first showed it (valid_from) and ends at the first run that no longer did, or showed other attributes
    (valid_to); valid_to is NULL while the stretch holds in the latest run. Explicit symbol lists are not
    screener runs and neither start nor end a stretch. Numbers that move every day (price, market cap) are not
    attributes here: marts.symbols has the latest.

    A table rebuilt from the sightings on every run: one window pass over them, and no state to drift.
-#}

with

sightings as (

    -- one sighting per symbol and run (pages can overlap)
    select distinct on (symbol, run_id)
        symbol,
        run_id,
        company_name,
        exchange,
        exchange_short_name,
        sector,
        industry,
        is_etf,
        is_fund,
        is_actively_trading,
        md5(row(
            company_name, exchange, exchange_short_name, sector, industry, is_etf, is_fund, is_actively_trading
        )::text) as attributes
    from {{ ref('stg_fmp__symbols') }}
    where source_endpoint = 'company-screener'
    order by symbol, run_id, _loaded_at desc, _seq desc

),

runs as (

    select
        run_id,
        min(_loaded_at) as run_at,
        row_number() over (order by min(_loaded_at), run_id) as run_number
    from {{ ref('stg_fmp__symbols') }}
    where source_endpoint = 'company-screener'
    group by run_id

),

numbered as (

    select
        sightings.*,
        runs.run_at,
        runs.run_number
    from sightings
    inner join runs on runs.run_id = sightings.run_id

),

-- a stretch starts where the symbol was absent from the previous run or looked different in it
flagged as (

    select
        numbered.*,
        case
            when lag(run_number) over by_run = run_number - 1 and lag(attributes) over by_run = attributes then 0
            else 1
        end as starts_stretch
    from numbered
    window by_run as (partition by symbol order by run_number)

),

stretched as (

    select
        flagged.*,
        sum(starts_stretch) over (partition by symbol order by run_number) as stretch
    from flagged

),

stretches as (

    select
        symbol,
        stretch,
        min(run_at) as valid_from,
        max(run_number) as last_run_number,
        min(company_name) as company_name,
        min(exchange) as exchange,
        min(exchange_short_name) as exchange_short_name,
        min(sector) as sector,
        min(industry) as industry,
        bool_and(is_etf) as is_etf,
        bool_and(is_fund) as is_fund,
        bool_and(is_actively_trading) as is_actively_trading
    from stretched
    group by symbol, stretch

),

final as (

    select
        cast(stretches.symbol as text) as symbol,
        cast(stretches.valid_from as timestamptz) as valid_from,
        cast(next_run.run_at as timestamptz) as valid_to,
        cast(stretches.company_name as text) as company_name,
        cast(stretches.exchange as text) as exchange,
        cast(stretches.exchange_short_name as text) as exchange_short_name,
        cast(stretches.sector as text) as sector,
        cast(stretches.industry as text) as industry,
        cast(stretches.is_etf as boolean) as is_etf,
        cast(stretches.is_fund as boolean) as is_fund,
        cast(stretches.is_actively_trading as boolean) as is_actively_trading,
        cast(next_run.run_at is null as boolean) as is_current
    from stretches
    left join runs as next_run on next_run.run_number = stretches.last_run_number + 1

)

select * from final
