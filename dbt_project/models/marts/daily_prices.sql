{{ symbol_day_incremental_config({'post_hook': "{{ market_clock_function() }}"}) }}

{#-
    One row per symbol and trading day: the bar as traded (the latest landed record of the day: a
    `non-split-adjusted` or eod-bulk record, or a `full` one turned back into the traded bar, see
    to_traded_ratio) and every adjusted series computed from it and marts.adjustment_factors:
    - open, high, low, close, vwap, change: split-adjusted (traded x split_multiplier), volume split-adjusted
      (traded / split_multiplier), the meaning these columns always had;
    - adj_open, adj_high, adj_low, adj_close: split- and dividend-adjusted (x dividend_multiplier too);
    - total_return_index: adj_close / dividend_multiplier_total, the split-adjusted close with every dividend
      reinvested on its ex-date (equal to the close before the first dividend held; it never changes for a
      day with a later event).
    FMP's adjusted series are not read here; they are checks (price_anomalies).

    Incremental runs merge the days with a record landed since the newest `_loaded_at` held, and re-adjust
    every held day of the symbols whose factors moved since then (a split, a dividend or its correction, the
    first session on an event's date): their traded columns are read back and multiplied again, so an
    incremental run equals a full refresh. A ticker change or a delisting landed since the last build can move a
    ticker's days to another security (marts.symbol_securities), so the held rows of the tickers it names are
    merged again with their new security_id.
-#}

-- depends_on: {{ ref('stg_fmp__symbol_changes') }}
-- depends_on: {{ ref('stg_fmp__delisted') }}

with

prices as (

    {{ latest_versions(ref('stg_fmp__prices')) }}

),

landed as (

    select
        prices.symbol,
        prices.price_date,
        prices.open * to_traded.ratio as traded_open,
        prices.high * to_traded.ratio as traded_high,
        prices.low * to_traded.ratio as traded_low,
        prices.close * to_traded.ratio as traded_close,
        round(prices.volume / to_traded.ratio) as traded_volume,
        prices.vwap * to_traded.ratio as traded_vwap,
        prices.change * to_traded.ratio as traded_change,
        prices.change_percent,
        prices.source_endpoint as price_source,
        prices._loaded_at as _prices_loaded_at
    from prices
    cross join lateral (select {{ to_traded_ratio('prices') }} as ratio) as to_traded

),

{% if incremental_run() %}

-- the held days of the symbols to re-adjust or to re-key, not landed again
held as (

    select
        held.symbol,
        held.price_date,
        held.traded_open,
        held.traded_high,
        held.traded_low,
        held.traded_close,
        held.traded_volume,
        held.traded_vwap,
        held.traded_change,
        held.change_percent,
        held.price_source,
        held._prices_loaded_at
    from {{ this }} as held
    where held.symbol in (
            select factors.symbol from {{ ref('adjustment_factors') }} as factors
            where factors._loaded_at > {{ high_water_mark() }}
            union
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
            select 1 from landed
            where landed.symbol = held.symbol and landed.price_date = held.price_date
        )

),

rows as (

    select * from landed
    union all
    select * from held

),

{% else %}

rows as (

    select * from landed

),

{% endif %}

adjusted as (

    select
        rows.*,
        coalesce(factors.split_multiplier, 1) as split_multiplier,
        coalesce(factors.dividend_multiplier, 1) as dividend_multiplier,
        coalesce(factors.dividend_multiplier_total, 1) as dividend_multiplier_total,
        factors._loaded_at as factors_loaded_at
    from rows
    left join {{ ref('adjustment_factors') }} as factors
        on factors.symbol = rows.symbol
        and {{ factors_cover('factors', 'rows.price_date') }}

),

final as (

    select
        cast(adjusted.symbol as text) as symbol,
        cast(adjusted.price_date as date) as price_date,
        cast({{ adjusted_price('traded_open', 'split_multiplier') }} as numeric) as open,
        cast({{ adjusted_price('traded_high', 'split_multiplier') }} as numeric) as high,
        cast({{ adjusted_price('traded_low', 'split_multiplier') }} as numeric) as low,
        cast({{ adjusted_price('traded_close', 'split_multiplier') }} as numeric) as close,
        cast({{ adjusted_price('traded_close', 'split_multiplier', 'dividend_multiplier') }} as numeric) as adj_close,
        cast({{ adjusted_volume('traded_volume', 'split_multiplier') }} as bigint) as volume,
        cast({{ adjusted_price('traded_vwap', 'split_multiplier') }} as numeric) as vwap,
        cast({{ adjusted_price('traded_change', 'split_multiplier') }} as numeric) as change,
        cast(adjusted.change_percent as numeric) as change_percent,
        cast(trim_scale(adjusted.traded_open) as numeric) as traded_open,
        cast(trim_scale(adjusted.traded_high) as numeric) as traded_high,
        cast(trim_scale(adjusted.traded_low) as numeric) as traded_low,
        cast(trim_scale(adjusted.traded_close) as numeric) as traded_close,
        cast(adjusted.traded_volume as bigint) as traded_volume,
        cast(trim_scale(adjusted.traded_vwap) as numeric) as traded_vwap,
        cast(trim_scale(adjusted.traded_change) as numeric) as traded_change,
        cast({{ adjusted_price('traded_open', 'split_multiplier', 'dividend_multiplier') }} as numeric) as adj_open,
        cast({{ adjusted_price('traded_high', 'split_multiplier', 'dividend_multiplier') }} as numeric) as adj_high,
        cast({{ adjusted_price('traded_low', 'split_multiplier', 'dividend_multiplier') }} as numeric) as adj_low,
        cast(
            -- a division's scale follows its operands' (a held value is stored trimmed): rounded to one scale
            trim_scale(round(
                adjusted.traded_close * split_multiplier * dividend_multiplier / dividend_multiplier_total, 12
            )) as numeric
        ) as total_return_index,
        cast(trim_scale(split_multiplier) as numeric) as split_multiplier,
        cast(trim_scale(dividend_multiplier) as numeric) as dividend_multiplier,
        cast(adjusted.price_source as text) as price_source,
        cast(adjusted._prices_loaded_at as timestamptz) as _prices_loaded_at,
        cast(adjusted.factors_loaded_at as timestamptz) as _factors_loaded_at,
        cast(greatest(adjusted._prices_loaded_at, adjusted.factors_loaded_at) as timestamptz) as _loaded_at,
        cast(coalesce(periods.security_id, adjusted.symbol) as text) as security_id
    from adjusted
    left join {{ ref('symbol_securities') }} as periods
        on periods.symbol = adjusted.symbol
        and adjusted.price_date >= periods.valid_from
        and adjusted.price_date < periods.valid_to

)

select * from final
