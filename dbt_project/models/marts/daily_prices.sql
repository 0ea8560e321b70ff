{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key=['symbol', 'price_date'],
        on_schema_change='fail',
        indexes=[
            {'columns': ['symbol', 'price_date'], 'unique': true},
            {'columns': ['_loaded_at']},
        ],
    )
}}

{#-
    One row per symbol and trading day. Prices come from the latest landed `full` (or eod-bulk) record of the
    day, adj_close from the latest `dividend-adjusted` record (eod-bulk's adjClose when there is none).

    Incremental runs read only raw versions landed after the newest `_loaded_at` held here, and merge the days
    they touch. `{{ this }}` is read in place, not through an import CTE: a CTE used twice is materialized,
    which would copy the whole table on every run. When FMP re-adjusts a symbol's history (a split), the extractor lands a new version of every
    day, so every row of that symbol is touched and replaced; daily_ma notices the changed closes.
-#}

with

prices as (

    select * from {{ ref('stg_fmp__prices') }}
    {%- if is_incremental() %}
    where _loaded_at > {{ high_water_mark() }}
    {%- endif %}

),

adjusted as (

    select * from {{ ref('stg_fmp__prices_adjusted') }}
    {%- if is_incremental() %}
    where _loaded_at > {{ high_water_mark() }}
    {%- endif %}

),

price_half as (

    select
        symbol,
        price_date,
        open,
        high,
        low,
        close,
        volume,
        vwap,
        change,
        change_percent,
        adj_close as bulk_adj_close,
        source_endpoint as price_source,
        _loaded_at as prices_loaded_at
    from prices

    {% if is_incremental() %}

    union all

    -- a day whose dividend-adjusted close moved while its prices did not: keep the prices already held
    select
        existing.symbol,
        existing.price_date,
        existing.open,
        existing.high,
        existing.low,
        existing.close,
        existing.volume,
        existing.vwap,
        existing.change,
        existing.change_percent,
        case when existing._adjusted_loaded_at is null then existing.adj_close end as bulk_adj_close,
        existing.price_source,
        existing._prices_loaded_at as prices_loaded_at
    from adjusted
    inner join {{ this }} as existing
        on existing.symbol = adjusted.symbol
        and existing.price_date = adjusted.price_date
    where not exists (
        select 1 from prices
        where prices.symbol = adjusted.symbol and prices.price_date = adjusted.price_date
    )

    {% endif %}

),

adjusted_half as (

    select
        symbol,
        price_date,
        adj_close,
        _loaded_at as adjusted_loaded_at
    from adjusted

    {% if is_incremental() %}

    union all

    -- a day whose prices moved while its dividend-adjusted close did not: the close already held here,
    -- or, for a day new to this table, one landed before its prices were
    select
        prices.symbol,
        prices.price_date,
        case
            when held.symbol is null then landed_earlier.adj_close
            when held._adjusted_loaded_at is not null then held.adj_close
        end as adj_close,
        case
            when held.symbol is null then landed_earlier._loaded_at
            else held._adjusted_loaded_at
        end as adjusted_loaded_at
    from prices
    left join {{ this }} as held
        on held.symbol = prices.symbol
        and held.price_date = prices.price_date
    left join lateral (
        select
            stg.adj_close,
            stg._loaded_at
        from {{ ref('stg_fmp__prices_adjusted') }} as stg
        where held.symbol is null
            and stg.symbol = prices.symbol
            and stg.price_date = prices.price_date
    ) as landed_earlier on true
    where not exists (
        select 1 from adjusted
        where adjusted.symbol = prices.symbol and adjusted.price_date = prices.price_date
    )

    {% endif %}

),

joined as (

    select
        price_half.symbol,
        price_half.price_date,
        price_half.open,
        price_half.high,
        price_half.low,
        price_half.close,
        coalesce(adjusted_half.adj_close, price_half.bulk_adj_close) as adj_close,
        price_half.volume,
        price_half.vwap,
        price_half.change,
        price_half.change_percent,
        price_half.price_source,
        price_half.prices_loaded_at,
        case
            when adjusted_half.adj_close is not null then adjusted_half.adjusted_loaded_at
        end as adjusted_loaded_at
    from price_half
    left join adjusted_half
        on adjusted_half.symbol = price_half.symbol
        and adjusted_half.price_date = price_half.price_date

),

final as (

    select
        cast(symbol as text) as symbol,
        cast(price_date as date) as price_date,
        cast(open as numeric) as open,
        cast(high as numeric) as high,
        cast(low as numeric) as low,
        cast(close as numeric) as close,
        cast(adj_close as numeric) as adj_close,
        cast(volume as bigint) as volume,
        cast(vwap as numeric) as vwap,
        cast(change as numeric) as change,
        cast(change_percent as numeric) as change_percent,
        cast(price_source as text) as price_source,
        cast(prices_loaded_at as timestamptz) as _prices_loaded_at,
        cast(adjusted_loaded_at as timestamptz) as _adjusted_loaded_at,
        cast(greatest(prices_loaded_at, adjusted_loaded_at) as timestamptz) as _loaded_at
    from joined

)

select * from final
