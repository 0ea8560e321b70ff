{%- set price_columns = ['open', 'high', 'low', 'close', 'volume', 'vwap', 'change', 'change_percent'] -%}

{#- The key's unique index is the primary key's, which the contract (_marts__models.yml) creates with the table. -#}
{{
    config(
        materialized='contracted_incremental',
        incremental_strategy='merge',
        unique_key=['symbol', 'price_date'],
        on_schema_change='fail',
        indexes=[
            {'columns': ['_loaded_at']},
        ],
    )
}}

{#-
    One row per symbol and trading day. Prices come from the latest landed `full` (or eod-bulk) record of the
    day, adj_close from the latest `dividend-adjusted` record (eod-bulk's adjClose when there is none, else the
    close: the extractor reads the dividend-adjusted history only after a split or dividend, and until the next
    one a day's dividend-adjusted close is its split-adjusted close).

    Incremental runs read only raw versions landed after the newest `_loaded_at` held here and merge the days
    they touch; the half of a day that did not move (its prices, or its dividend-adjusted close) is taken from
    the row already held. When FMP re-adjusts a symbol's history (a split), the extractor lands a new version
    of every day, so every row of that symbol is touched and replaced; daily_ma then sees the changed closes.

    security_id says which company a row belongs to (marts.symbol_securities). A ticker change or a delisting
    landed since the last build can move a ticker's days to another security, so the held rows of the tickers
    it names are merged again with their new security_id.
-#}

-- depends_on: {{ ref('stg_fmp__symbol_changes') }}
-- depends_on: {{ ref('stg_fmp__delisted') }}

with

prices as (

    {{ latest_versions(ref('stg_fmp__prices')) }}

),

adjusted as (

    {{ latest_versions(ref('stg_fmp__prices_adjusted')) }}

),

-- a full outer join: planned as a hash or merge join, linear in the rows landed whatever the estimates say
landed as (

    select
        coalesce(prices.symbol, adjusted.symbol) as symbol,
        coalesce(prices.price_date, adjusted.price_date) as price_date,
        prices.symbol is not null as has_prices,
        adjusted.symbol is not null as has_adjusted,
        {%- for column in price_columns %}
        prices.{{ column }},
        {%- endfor %}
        prices.adj_close as bulk_adj_close,
        prices.source_endpoint as price_source,
        prices._loaded_at as prices_loaded_at,
        adjusted.adj_close as dividend_adj_close,
        adjusted._loaded_at as adjusted_loaded_at
    from prices
    full outer join adjusted
        on adjusted.symbol = prices.symbol
        and adjusted.price_date = prices.price_date

),

{% if incremental_run() %}

-- each touched day made whole: the half that did not move comes from the row already held, and a day new to
-- this table takes the dividend-adjusted close that landed before its prices, if any
completed as (

    select
        landed.symbol,
        landed.price_date,
        landed.has_prices or held.symbol is not null as has_prices,
        {%- for column in price_columns %}
        case when landed.has_prices then landed.{{ column }} else held.{{ column }} end as {{ column }},
        {%- endfor %}
        case
            when landed.has_prices then landed.bulk_adj_close
            when held._adjusted_loaded_at is null then held.adj_close
        end as bulk_adj_close,
        case when landed.has_prices then landed.price_source else held.price_source end as price_source,
        case when landed.has_prices then landed.prices_loaded_at else held._prices_loaded_at end as prices_loaded_at,
        case
            when landed.has_adjusted then landed.dividend_adj_close
            when held.symbol is null then earlier.adj_close
            when held._adjusted_loaded_at is not null then held.adj_close
        end as dividend_adj_close,
        case
            when landed.has_adjusted then landed.adjusted_loaded_at
            when held.symbol is null then earlier._loaded_at
            else held._adjusted_loaded_at
        end as adjusted_loaded_at
    from landed
    left join {{ this }} as held
        on held.symbol = landed.symbol
        and held.price_date = landed.price_date
    -- a lookup per row, run only for new days without a new dividend-adjusted record (`limit 1` keeps the
    -- planner from turning it into a join over the whole view; a key has one latest version anyway)
    left join lateral (
        select
            stg.adj_close,
            stg._loaded_at
        from {{ ref('stg_fmp__prices_adjusted') }} as stg
        where landed.has_prices
            and not landed.has_adjusted
            and held.symbol is null
            and stg.symbol = landed.symbol
            and stg.price_date = landed.price_date
            and stg.is_latest
        limit 1
    ) as earlier on true

),

{% else %}

completed as (

    select * from landed

),

{% endif %}

rows as (

    select
        symbol,
        price_date,
        open,
        high,
        low,
        close,
        -- no dividend-adjusted record: a day after the last ex-date, whose adjusted close is the close
        coalesce(dividend_adj_close, bulk_adj_close, close) as adj_close,
        volume,
        vwap,
        change,
        change_percent,
        price_source,
        prices_loaded_at as _prices_loaded_at,
        case when dividend_adj_close is not null then adjusted_loaded_at end as _adjusted_loaded_at
    from completed
    -- a day with a dividend-adjusted close but no prices is not a trading row (yet)
    where has_prices

    {%- if incremental_run() %}

    union all

    select
        held.symbol,
        held.price_date,
        held.open,
        held.high,
        held.low,
        held.close,
        held.adj_close,
        held.volume,
        held.vwap,
        held.change,
        held.change_percent,
        held.price_source,
        held._prices_loaded_at,
        held._adjusted_loaded_at
    from {{ this }} as held
    where held.symbol in (
            select changes.old_symbol from {{ ref('stg_fmp__symbol_changes') }} as changes
            where changes.first_loaded_at > {{ high_water_mark() }}
            union
            select changes.new_symbol from {{ ref('stg_fmp__symbol_changes') }} as changes
            where changes.first_loaded_at > {{ high_water_mark() }}
            union
            select delistings.symbol from {{ ref('stg_fmp__delisted') }} as delistings
            where delistings.first_loaded_at > {{ high_water_mark() }}
        )
        and not exists (
            select 1 from completed
            where completed.symbol = held.symbol and completed.price_date = held.price_date and completed.has_prices
        )
    {%- endif %}

),

final as (

    select
        cast(rows.symbol as text) as symbol,
        cast(rows.price_date as date) as price_date,
        cast(rows.open as numeric) as open,
        cast(rows.high as numeric) as high,
        cast(rows.low as numeric) as low,
        cast(rows.close as numeric) as close,
        cast(rows.adj_close as numeric) as adj_close,
        cast(rows.volume as bigint) as volume,
        cast(rows.vwap as numeric) as vwap,
        cast(rows.change as numeric) as change,
        cast(rows.change_percent as numeric) as change_percent,
        cast(rows.price_source as text) as price_source,
        cast(rows._prices_loaded_at as timestamptz) as _prices_loaded_at,
        cast(rows._adjusted_loaded_at as timestamptz) as _adjusted_loaded_at,
        cast(greatest(rows._prices_loaded_at, rows._adjusted_loaded_at) as timestamptz) as _loaded_at,
        cast(coalesce(periods.security_id, rows.symbol) as text) as security_id
    from rows
    left join {{ ref('symbol_securities') }} as periods
        on periods.symbol = rows.symbol
        and rows.price_date >= periods.valid_from
        and rows.price_date < periods.valid_to

)

select * from final
