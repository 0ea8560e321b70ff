{%- set key_columns = ['symbol', 'price_date'] -%}
{%- set value_columns = ['open', 'high', 'low', 'close', 'adj_close', 'volume'] -%}

{#- The key's unique index is the primary key's, which the contract (_marts__models.yml) creates with the table. -#}
{{
    config(
        materialized='contracted_incremental',
        incremental_strategy='merge',
        unique_key=['symbol', 'price_date', 'valid_from'],
        on_schema_change='fail',
        indexes=[
            {'columns': ['_loaded_at']},
        ],
        post_hook="{{ as_of_function('daily_prices_as_of') }}",
    )
}}

{#-
    Every version of each symbol and trading day that daily_prices has held or would have held, on our own
    clock: the day's state after each landing time, as daily_prices computes it from what had landed by then.
    A state starts at each landing of the day's price record (a new day, a re-read, a correction) and at the
    time each later event became known to the warehouse (adjustment_factors.known_at); its values are the
    latest traded bar landed by then, adjusted by the events after the day known by then. The factors are
    today's (a dividend correction re-computes earlier versions too). When every later event is known the
    multipliers are adjustment_factors' own, so the current version is daily_prices' row to the last digit.
    A change of open, high, low, close, adj_close or volume is a new version.

    Incremental runs recompute the days with a landing since the newest `_loaded_at` held and every day of the
    symbols whose factors moved, from all their landings, and merge them: the version that was current gets its
    valid_to, the new one is added.
-#}

with

{% if incremental_run() %}

touched as (
    {{ keys_landed_since([ref('stg_fmp__prices')], key_columns, high_water_mark()) }}
    union
    select held.symbol, held.price_date
    from {{ this }} as held
    where held.symbol in (
        select factors.symbol from {{ ref('adjustment_factors') }} as factors
        where factors._loaded_at > {{ high_water_mark() }}
    )
),

{% endif %}

landings as (
    {{ landings(
        ref('stg_fmp__prices'),
        key_columns,
        key_columns + ['_loaded_at', '_seq', 'open', 'high', 'low', 'close', 'volume', 'source_endpoint'],
        'touched' if incremental_run() else none,
    ) }}
),

-- each landing as a traded bar
traded as (

    select
        landings.symbol,
        landings.price_date,
        landings._loaded_at,
        landings._seq,
        landings.open * to_traded.ratio as open,
        landings.high * to_traded.ratio as high,
        landings.low * to_traded.ratio as low,
        landings.close * to_traded.ratio as close,
        round(landings.volume / to_traded.ratio) as volume
    from landings
    cross join lateral (select {{ to_traded_ratio('landings') }} as ratio) as to_traded

),

events as (

    select symbol, event_date, split_factor, dividend_factor, known_at
    from {{ ref('adjustment_factors') }}
    where event_date is not null

),

first_landings as (

    select symbol, price_date, min(_loaded_at) as first_loaded_at
    from traded
    group by symbol, price_date

),

-- the times a day's state can change: its own landings, and each later event becoming known after it landed
times as (

    select distinct symbol, price_date, _loaded_at
    from traded
    union
    select first_landings.symbol, first_landings.price_date, events.known_at
    from first_landings
    inner join events
        on events.symbol = first_landings.symbol
        and events.event_date > first_landings.price_date
        and events.known_at > first_landings.first_loaded_at

),

states as (

    select
        times.symbol,
        times.price_date,
        times._loaded_at,
        bar.open,
        bar.high,
        bar.low,
        bar.close,
        bar.volume,
        case when known.all_known then current_factors.split_multiplier else known.split_multiplier end
            as split_multiplier,
        case when known.all_known then current_factors.dividend_multiplier else known.dividend_multiplier end
            as dividend_multiplier
    from times
    cross join lateral (
        select traded.open, traded.high, traded.low, traded.close, traded.volume
        from traded
        where traded.symbol = times.symbol
            and traded.price_date = times.price_date
            and traded._loaded_at <= times._loaded_at
        order by traded._loaded_at desc, traded._seq desc
        limit 1
    ) as bar
    cross join lateral (
        select
            bool_and(events.known_at <= times._loaded_at) is not false as all_known,
            coalesce(exp(sum(ln(events.split_factor)) filter (where events.known_at <= times._loaded_at)), 1)
                as split_multiplier,
            coalesce(exp(sum(ln(events.dividend_factor)) filter (where events.known_at <= times._loaded_at)), 1)
                as dividend_multiplier
        from events
        where events.symbol = times.symbol
            and events.event_date > times.price_date
    ) as known
    left join {{ ref('adjustment_factors') }} as current_factors
        on current_factors.symbol = times.symbol
        and {{ factors_cover('current_factors', 'times.price_date') }}

),

values as (

    select
        symbol,
        price_date,
        _loaded_at,
        trim_scale(open * split_multiplier) as open,
        trim_scale(high * split_multiplier) as high,
        trim_scale(low * split_multiplier) as low,
        trim_scale(close * split_multiplier) as close,
        trim_scale(close * split_multiplier * dividend_multiplier) as adj_close,
        round(volume / split_multiplier) as volume
    from (
        select
            symbol, price_date, _loaded_at, open, high, low, close, volume,
            trim_scale(round(coalesce(split_multiplier, 1), 16)) as split_multiplier,
            trim_scale(round(coalesce(dividend_multiplier, 1), 16)) as dividend_multiplier
        from states
    ) as rounded

),

versions as (
    {{ versions_from_states('values', key_columns, value_columns) }}
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
        {{ validity_columns_typed() }}
    from versions

)

select * from final
