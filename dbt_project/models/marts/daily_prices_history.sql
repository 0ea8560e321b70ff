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
        post_hook="{{ prices_as_of_function() }}",
    )
}}

{#-
    Every version of each symbol and trading day that daily_prices has held or would have held, on our own
    clock: the day's state after each landing time, as daily_prices computes it from what had landed by then.
    A state starts at each landing of the day's price record (a new day, a re-read, a correction) and at the
    time each later event became known to the warehouse (adjustment_factors.known_at); its values are the
    latest traded bar landed by then, adjusted by the events after the day known by then. The factors are
    today's (a dividend correction re-computes earlier versions too). When every later event is known the
    multipliers are adjustment_factors' own (the same product of the same factors, factors_product), so the
    current version is daily_prices' row to the last digit. A change of open, high, low, close, adj_close or
    volume is a new version. Every step is a join or a window over sorted rows, never a probe per state: a full
    build grows with the landings and the events, not with their product.

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
    {%- if incremental_run() %}
        -- only the touched days' symbols: each symbol's products per time of knowledge grow with its events squared
        and symbol in (select touched.symbol from touched)
    {%- endif %}

),

-- the times the events of a symbol became known, each until the next one: what the warehouse knew of them
knowledge as (

    select
        symbol,
        known_at as known_from,
        lead(known_at) over (partition by symbol order by known_at) as known_to,
        last_event_date
    from (
        select symbol, known_at, max(event_date) as last_event_date
        from events
        group by symbol, known_at
    ) as times

),

-- at each of those times, the products of the factors of the known events after a day, as adjustment_factors
-- computes them from every event: the days from applies_from to applies_to (see factors_cover) are multiplied
known_factors as (

    select
        knowledge.symbol,
        knowledge.known_from,
        lag(events.event_date) over by_date as applies_from,
        events.event_date as applies_to,
        {{ factors_product('events.split_factor', 'later_first') }} as split_multiplier,
        {{ factors_product('events.dividend_factor', 'later_first') }} as dividend_multiplier
    from knowledge
    inner join events
        on events.symbol = knowledge.symbol
        and events.known_at <= knowledge.known_from
    window
        by_date as (partition by knowledge.symbol, knowledge.known_from order by events.event_date),
        later_first as (
            partition by knowledge.symbol, knowledge.known_from
            order by events.event_date desc
            rows unbounded preceding
        )

),

-- the day's state after each of its landing times: the bar of the newest landing by then
landed_states as (

    select distinct on (symbol, price_date, _loaded_at)
        symbol, price_date, _loaded_at, open, high, low, close, volume
    from traded
    order by symbol, price_date, _loaded_at, _seq desc

),

-- the other times a day's state can change: a later event becoming known after the day first landed
event_times as (

    select distinct first_landings.symbol, first_landings.price_date, knowledge.known_from as _loaded_at
    from (
        select symbol, price_date, min(_loaded_at) as first_loaded_at
        from landed_states
        group by symbol, price_date
    ) as first_landings
    inner join knowledge
        on knowledge.symbol = first_landings.symbol
        and knowledge.last_event_date > first_landings.price_date
        and knowledge.known_from > first_landings.first_loaded_at

),

-- every time of a day in order; a bar_number counts its landings, so a time without one takes the bar before
timeline as (

    select
        *,
        count(*) filter (where landed) over (
            partition by symbol, price_date order by _loaded_at rows unbounded preceding
        ) as bar_number
    from (
        select symbol, price_date, _loaded_at, true as landed, open, high, low, close, volume
        from landed_states
        union all
        select
            event_times.symbol, event_times.price_date, event_times._loaded_at, false as landed,
            null, null, null, null, null
        from event_times
        where not exists (
            select 1 from landed_states
            where landed_states.symbol = event_times.symbol
                and landed_states.price_date = event_times.price_date
                and landed_states._loaded_at = event_times._loaded_at
        )
    ) as times

),

states as (

    select
        bars.symbol,
        bars.price_date,
        bars._loaded_at,
        bars.open,
        bars.high,
        bars.low,
        bars.close,
        bars.volume,
        known_factors.split_multiplier,
        known_factors.dividend_multiplier
    from (
        select
            symbol,
            price_date,
            _loaded_at,
            first_value(open) over bar as open,
            first_value(high) over bar as high,
            first_value(low) over bar as low,
            first_value(close) over bar as close,
            first_value(volume) over bar as volume
        from timeline
        window bar as (partition by symbol, price_date, bar_number order by _loaded_at)
    ) as bars
    left join knowledge
        on knowledge.symbol = bars.symbol
        and bars._loaded_at >= knowledge.known_from
        and (knowledge.known_to is null or bars._loaded_at < knowledge.known_to)
    left join known_factors
        on known_factors.symbol = knowledge.symbol
        and known_factors.known_from = knowledge.known_from
        and {{ factors_cover('known_factors', 'bars.price_date') }}

),

values as (

    select
        symbol,
        price_date,
        _loaded_at,
        {{ adjusted_price('open', 'split_multiplier') }} as open,
        {{ adjusted_price('high', 'split_multiplier') }} as high,
        {{ adjusted_price('low', 'split_multiplier') }} as low,
        {{ adjusted_price('close', 'split_multiplier') }} as close,
        {{ adjusted_price('close', 'split_multiplier', 'dividend_multiplier') }} as adj_close,
        {{ adjusted_volume('volume', 'split_multiplier') }} as volume
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
