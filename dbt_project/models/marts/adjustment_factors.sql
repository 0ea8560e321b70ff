{#-
    Our own adjustment factors: one row per symbol and event date (a split, a dividend, or both) that is in
    effect (a session on or after it is held), plus one closing row per symbol from its last event on.

    - split_factor = denominator / numerator (a 2-for-1 split halves every earlier price);
    - dividend_factor = 1 - dividend / previous close (CRSP's and Yahoo's), where the dividend is the sum of
      every payment of the ex-date, regular and special alike (a total-return view; specials are not treated
      apart), and the previous close is the as-traded close of the last held session before the ex-date,
      split-adjusted when a split shares the ex-date. No held session before it (or a dividend not below that
      close): the factor is 1, since no held day is before it.
    - event_number counts the symbol's events in date order (the closing row is the last), the key with symbol;
    - split_multiplier and dividend_multiplier: the products of the factors of every event after a day, which
      the days from `applies_from` (inclusive, NULL: the first held day) to `applies_to` (exclusive, NULL: the
      newest held day) are multiplied by; the closing row carries 1.
    - dividend_multiplier_total: the product of every dividend factor of the symbol, the base of the total
      return index (marts.daily_prices).

    known_at is when the warehouse first could apply the event (our own clock): the first landing of its
    split or dividend record and of its first session, whichever came last; daily_prices_history uses it.
    `_loaded_at` is the newest landing behind the row or any later event of the symbol (the actions, the
    previous close, the first session on or after the event): when it moves, every day the row covers has new
    multipliers, and daily_prices re-adjusts the symbol's held days.
-#}

with

splits as (

    select symbol, split_date as event_date, split_ratio, first_loaded_at, _loaded_at
    from {{ ref('splits') }}
    where split_ratio > 0

),

dividends as (

    select
        symbol,
        ex_date as event_date,
        sum(dividend) as dividend,
        min(first_loaded_at) as first_loaded_at,
        max(_loaded_at) as _loaded_at
    from {{ ref('dividends') }}
    where dividend > 0
    group by symbol, ex_date

),

events as (

    select
        coalesce(splits.symbol, dividends.symbol) as symbol,
        coalesce(splits.event_date, dividends.event_date) as event_date,
        splits.split_ratio,
        dividends.dividend,
        greatest(splits._loaded_at, dividends._loaded_at) as actions_loaded_at,
        greatest(splits.first_loaded_at, dividends.first_loaded_at) as actions_first_loaded_at
    from splits
    full outer join dividends
        on dividends.symbol = splits.symbol
        and dividends.event_date = splits.event_date

),

-- the session before each event and the first one on or after it: each the first entry of the raw version index
-- read from the event's date (backwards for the previous one), whatever the length of the symbol's history; the
-- newest version of a session comes first in the order, so no `is_latest` probe of other versions is needed
sessions as (

    select
        events.*,
        previous.close * {{ to_traded_ratio('previous') }} as previous_close,
        previous._loaded_at as previous_loaded_at,
        since._loaded_at as effective_loaded_at,
        greatest(
            events.actions_first_loaded_at,
            (
                select min(stg._loaded_at) from {{ ref('stg_fmp__prices') }} as stg
                where stg.symbol = events.symbol and stg.price_date = since.price_date
            )
        ) as known_at
    from events
    left join lateral (
        select stg.symbol, stg.price_date, stg.close, stg.source_endpoint, stg._loaded_at
        from {{ ref('stg_fmp__prices') }} as stg
        where stg.symbol = events.symbol
            and stg.price_date < events.event_date
        order by stg.price_date desc, stg._loaded_at desc, stg._seq desc
        limit 1
    ) as previous on true
    left join lateral (
        select stg.price_date, stg._loaded_at
        from {{ ref('stg_fmp__prices') }} as stg
        where stg.symbol = events.symbol
            and stg.price_date >= events.event_date
        order by stg.price_date, stg._loaded_at desc, stg._seq desc
        limit 1
    ) as since on true
    -- an event dated after the newest held session has not happened on the market's clock yet
    where since._loaded_at is not null

),

factors as (

    select
        symbol,
        event_date,
        split_ratio,
        dividend,
        previous_close,
        known_at,
        coalesce(trim_scale(1 / split_ratio), 1) as split_factor,
        case
            when dividend is null or previous_close is null then 1
            when previous_close * coalesce(1 / split_ratio, 1) <= dividend then 1
            else trim_scale(1 - dividend / (previous_close * coalesce(1 / split_ratio, 1)))
        end as dividend_factor,
        greatest(actions_loaded_at, previous_loaded_at, effective_loaded_at) as row_loaded_at
    from sessions

),

cumulative as (

    select
        symbol,
        row_number() over by_date as event_number,
        lag(event_date) over by_date as applies_from,
        event_date as applies_to,
        event_date,
        split_ratio,
        dividend,
        previous_close,
        known_at,
        split_factor,
        dividend_factor,
        {{ factors_product('split_factor', 'later_first') }} as split_multiplier,
        {{ factors_product('dividend_factor', 'later_first') }} as dividend_multiplier,
        max(row_loaded_at) over later_first as _loaded_at
    from factors
    window
        by_date as (partition by symbol order by event_date),
        later_first as (partition by symbol order by event_date desc rows unbounded preceding)

),

-- from each symbol's last event on, nothing left to apply
closing as (

    select distinct on (symbol)
        symbol,
        event_number + 1 as event_number,
        event_date as applies_from,
        cast(null as date) as applies_to,
        cast(null as date) as event_date,
        cast(null as numeric) as split_ratio,
        cast(null as numeric) as dividend,
        cast(null as numeric) as previous_close,
        cast(null as timestamptz) as known_at,
        cast(1 as numeric) as split_factor,
        cast(1 as numeric) as dividend_factor,
        cast(1 as numeric) as split_multiplier,
        cast(1 as numeric) as dividend_multiplier,
        _loaded_at
    from cumulative
    -- the input's event_date (the output's is NULL)
    order by cumulative.symbol, cumulative.event_date desc

),

rows as (

    select * from cumulative
    union all
    select * from closing

),

final as (

    select
        cast(symbol as text) as symbol,
        cast(event_number as integer) as event_number,
        cast(applies_from as date) as applies_from,
        cast(applies_to as date) as applies_to,
        cast(event_date as date) as event_date,
        cast(split_ratio as numeric) as split_ratio,
        cast(dividend as numeric) as dividend,
        cast(previous_close as numeric) as previous_close,
        cast(known_at as timestamptz) as known_at,
        cast(split_factor as numeric) as split_factor,
        cast(dividend_factor as numeric) as dividend_factor,
        cast(split_multiplier as numeric) as split_multiplier,
        cast(dividend_multiplier as numeric) as dividend_multiplier,
        cast(first_value(dividend_multiplier) over (
            partition by symbol order by applies_from nulls first
        ) as numeric) as dividend_multiplier_total,
        cast(_loaded_at as timestamptz) as _loaded_at
    from rows

)

select * from final
