{#-
    Days whose prices look wrong, one row per symbol, day and kind of anomaly. Rebuilt whole on every run: every
    check reads a window of each symbol's history, and a re-adjusted history (a split) changes them all.

    Price checks (thresholds are dbt vars, see dbt_project.yml):
    - large_move: the close's log return beyond `anomaly_move_sigmas` standard deviations of the symbol's
      previous `anomaly_volatility_window` returns and beyond `anomaly_min_move`, on a day without a split or an
      ex-dividend date (those move the unadjusted close by design), and not part of a spike;
    - price_spike: a move beyond `anomaly_spike_sigmas` deviations that the next session takes back, all but
      `anomaly_spike_reversion` of it (a bad print); the reverting day is not reported again;
    - non_positive_price, non_positive_volume: a price or adj_close <= 0, a volume <= 0;
    - missing_session: a session of the exchange calendar (the trading_sessions seed) without a row, strictly
      between the symbol's first and last day; days before the first row (not listed yet) and after the last
      (delisted, or not loaded yet) are not gaps.
    Reconciliation checks, prices against marts.splits and marts.dividends:
    - split_mismatch: across a split, the as-traded close divided by the split-adjusted close must step by the
      split ratio within `split_ratio_tolerance`; and the split-adjusted close must not move by the ratio itself
      (down: the split was never applied; up: the as-traded prices never showed it, a split listed in error);
    - dividend_mismatch: the dividend factor adj_close / close steps by adj_dividend / previous close on each
      ex-date; a step without a dividend, or a dividend whose step implies another amount, beyond
      `dividend_tolerance` of the dividend plus what rounding to cents explains.
    - adjusted_mismatch: our adj_close against FMP's dividend-adjusted close (a check, never a source), on the
      days of FMP's records landed once every event of the symbol was known here (older records are FMP's
      adjustment as of an earlier day); beyond `adjusted_tolerance` of the close plus half a cent, it means an
      action we lack or FMP got wrong. One row per symbol: the newest day that disagrees (the action is right
      after it), with the count of days that do.
-#}

{%- set volatility_window = var('anomaly_volatility_window') -%}

with

prices as (

    select symbol, price_date, open, high, low, close, adj_close, volume
    from {{ ref('daily_prices') }}

),

splits as (

    select * from {{ ref('splits') }}

),

dividends as (

    select * from {{ ref('dividends') }}

),

traded as (

    select * from {{ ref('stg_fmp__prices_unadjusted') }}

),

fmp_adjusted as (

    select distinct on (symbol, price_date) symbol, price_date, adj_close, _loaded_at
    from {{ ref('stg_fmp__prices_adjusted') }}
    order by symbol, price_date, _loaded_at desc, _seq desc

),

sessions as (

    select
        session_date,
        row_number() over (order by session_date) as session_number
    from {{ ref('trading_sessions') }}

),

event_days as (

    select symbol, split_date as event_date from splits
    union
    select symbol, ex_date as event_date from dividends

),

-- price checks ------------------------------------------------------------------------------------------

returns as (

    select
        prices.symbol,
        prices.price_date,
        prices.close,
        lag(prices.close) over by_day as previous_close,
        case
            when prices.close > 0 and lag(prices.close) over by_day > 0
                then ln(prices.close / lag(prices.close) over by_day)
        end as log_return,
        event_days.symbol is not null as is_event_day
    from prices
    left join event_days
        on event_days.symbol = prices.symbol
        and event_days.event_date = prices.price_date
    window by_day as (partition by prices.symbol order by prices.price_date)

),

scored as (

    select
        returns.*,
        stddev_samp(log_return) over recent as volatility,
        count(log_return) over recent as history,
        lead(log_return) over by_day as next_return
    from returns
    window
        by_day as (partition by symbol order by price_date),
        recent as (
            partition by symbol order by price_date rows between {{ volatility_window }} preceding and 1 preceding
        )

),

judged as (

    select
        scored.*,
        history >= {{ var('anomaly_min_history') }}
            and not is_event_day
            and abs(log_return) > {{ var('anomaly_spike_sigmas') }} * volatility
            and abs(log_return) > {{ var('anomaly_min_move') }}
            and abs(next_return) > {{ var('anomaly_spike_sigmas') }} * volatility
            and sign(next_return) = -sign(log_return)
            and abs(log_return + next_return) <= {{ var('anomaly_spike_reversion') }} * abs(log_return)
            as is_spike
    from scored

),

moves as (

    select
        judged.*,
        coalesce(lag(is_spike) over (partition by symbol order by price_date), false) as follows_spike
    from judged

),

price_moves as (

    select
        symbol,
        price_date,
        case when is_spike then 'price_spike' else 'large_move' end as anomaly,
        case
            when is_spike then format(
                'close %s after %s (%s%%), back by %s%% the next session; %s standard deviations of its %s-session volatility',
                close, previous_close, round(100 * (exp(log_return) - 1), 1), round(100 * (exp(next_return) - 1), 1),
                round(abs(log_return) / nullif(volatility, 0), 1), {{ volatility_window }}
            )
            else format(
                'close %s after %s (%s%%): %s standard deviations of its %s-session volatility, no split or dividend',
                close, previous_close, round(100 * (exp(log_return) - 1), 1),
                round(abs(log_return) / nullif(volatility, 0), 1), {{ volatility_window }}
            )
        end as detail
    from moves
    where is_spike
        or (
            history >= {{ var('anomaly_min_history') }}
            and not is_event_day
            and not follows_spike
            and abs(log_return) > {{ var('anomaly_move_sigmas') }} * volatility
            and abs(log_return) > {{ var('anomaly_min_move') }}
        )

),

non_positive as (

    select
        symbol,
        price_date,
        'non_positive_price' as anomaly,
        format('open %s, high %s, low %s, close %s, adj_close %s', open, high, low, close, adj_close) as detail
    from prices
    where least(open, high, low, close, adj_close) <= 0

    union all

    select
        symbol,
        price_date,
        'non_positive_volume' as anomaly,
        format('volume %s', volume) as detail
    from prices
    where volume <= 0

),

-- consecutive rows of a symbol more than one session apart: the sessions between them are missing
gaps as (

    select
        held.symbol,
        held.price_date,
        lag(held.price_date) over by_day as previous_date,
        sessions.session_number,
        lag(sessions.session_number) over by_day as previous_session_number
    from prices as held
    inner join sessions on sessions.session_date = held.price_date
    window by_day as (partition by held.symbol order by held.price_date)

),

missing_sessions as (

    select
        gaps.symbol,
        sessions.session_date as price_date,
        'missing_session' as anomaly,
        format(
            'no price on this session, between %s and %s (%s sessions missing)',
            gaps.previous_date, gaps.price_date, gaps.session_number - gaps.previous_session_number - 1
        ) as detail
    from gaps
    inner join sessions
        on sessions.session_number > gaps.previous_session_number
        and sessions.session_number < gaps.session_number
    where gaps.session_number - gaps.previous_session_number > 1

),

-- reconciliation with the splits ------------------------------------------------------------------------

split_sides as (

    select
        splits.symbol,
        splits.split_date,
        splits.numerator,
        splits.denominator,
        splits.split_ratio,
        before.close as before_close,
        after.close as after_close,
        traded_before.traded_close as before_traded,
        traded_after.traded_close as after_traded
    from splits
    inner join lateral (
        select held.price_date, held.close
        from prices as held
        where held.symbol = splits.symbol and held.price_date < splits.split_date
        order by held.price_date desc
        limit 1
    ) as before on true
    inner join lateral (
        select held.price_date, held.close
        from prices as held
        where held.symbol = splits.symbol and held.price_date >= splits.split_date
        order by held.price_date
        limit 1
    ) as after on true
    left join traded as traded_before
        on traded_before.symbol = splits.symbol and traded_before.price_date = before.price_date
    left join traded as traded_after
        on traded_after.symbol = splits.symbol and traded_after.price_date = after.price_date
    where splits.split_ratio > 0
        and splits.split_ratio <> 1
        -- the split falls inside the prices held, not before the first or after the last of them
        and splits.split_date - before.price_date <= 10
        and after.price_date - splits.split_date <= 10
        and before.close > 0
        and after.close > 0

),

split_checks as (

    select
        split_sides.*,
        (before_traded / before_close) / nullif(after_traded / after_close, 0) as factor_step,
        abs(ln(after_close / before_close)) as adjusted_move,
        abs(ln(after_close / before_close * split_ratio)) as unapplied_move,
        abs(ln(after_close / before_close / split_ratio)) as unshown_move
    from split_sides

),

split_mismatches as (

    select
        symbol,
        split_date as price_date,
        'split_mismatch' as anomaly,
        case
            when unapplied_move < adjusted_move then format(
                'the split-adjusted close moves from %s to %s across the %s:%s split: the split is not applied',
                before_close, after_close, numerator, denominator
            )
            when unshown_move < adjusted_move then format(
                'the split-adjusted close moves from %s to %s across the %s:%s split: the as-traded prices do not show it',
                before_close, after_close, numerator, denominator
            )
            else format(
                'as-traded/adjusted factor steps by %s across the split, which says %s:%s (%s)',
                round(factor_step, 4), numerator, denominator, round(split_ratio, 4)
            )
        end as detail
    from split_checks
    where unapplied_move < adjusted_move
        or unshown_move < adjusted_move
        or abs(factor_step / split_ratio - 1) > {{ var('split_ratio_tolerance') }}

),

-- reconciliation with the dividends ---------------------------------------------------------------------

factors as (

    select
        symbol,
        price_date,
        close,
        adj_close,
        lag(close) over by_day as previous_close,
        lag(adj_close) over by_day as previous_adj_close
    from prices
    where close > 0 and adj_close > 0
    window by_day as (partition by symbol order by price_date)

),

steps as (

    select
        symbol,
        price_date,
        previous_close,
        -- adj_dividend / previous close when the day is an ex-date, 0 otherwise
        1 - (previous_adj_close / previous_close) / (adj_close / close) as step,
        -- the most that rounding the four prices to cents can move the step by
        0.005 / previous_adj_close + 0.005 / previous_close + 0.005 / adj_close + 0.005 / close as rounding
    from factors
    where previous_close is not null

),

paid as (

    select
        symbol,
        ex_date,
        sum(adj_dividend) as adj_dividend,
        count(*) as payments
    from dividends
    group by symbol, ex_date

),

dividend_mismatches as (

    select
        steps.symbol,
        steps.price_date,
        'dividend_mismatch' as anomaly,
        case
            when paid.symbol is null then format(
                'the dividend factor (adj_close / close) steps by %s%%, as a dividend of %s would, but none has this ex-date',
                round(100 * steps.step, 3), round(steps.step * steps.previous_close, 4)
            )
            else format(
                'the dividend factor implies a dividend of %s, the %s listed payment(s) of this ex-date total %s',
                round(steps.step * steps.previous_close, 4), paid.payments, round(paid.adj_dividend, 4)
            )
        end as detail
    from steps
    left join paid
        on paid.symbol = steps.symbol
        and paid.ex_date = steps.price_date
    where
        (paid.symbol is null and abs(steps.step) > steps.rounding + {{ var('dividend_min_step') }})
        or abs(steps.step * steps.previous_close - paid.adj_dividend)
            > {{ var('dividend_tolerance') }} * paid.adj_dividend + steps.rounding * steps.previous_close

),

adjusted_disagreements as (

    select
        prices.symbol,
        prices.price_date,
        prices.adj_close,
        fmp_adjusted.adj_close as fmp_adj_close
    from prices
    inner join fmp_adjusted
        on fmp_adjusted.symbol = prices.symbol
        and fmp_adjusted.price_date = prices.price_date
    left join (
        select symbol, max(known_at) as known_at from {{ ref('adjustment_factors') }} group by symbol
    ) as last_known
        on last_known.symbol = prices.symbol
    where (last_known.known_at is null or fmp_adjusted._loaded_at >= last_known.known_at)
        and abs(fmp_adjusted.adj_close - prices.adj_close)
            > {{ var('adjusted_tolerance') }} * abs(prices.adj_close) + 0.005

),

adjusted_mismatches as (

    select distinct on (symbol)
        symbol,
        price_date,
        'adjusted_mismatch' as anomaly,
        format(
            'adj_close %s, FMP''s dividend-adjusted close %s: an action missing here or wrong at FMP (%s days disagree)',
            round(adj_close, 4), fmp_adj_close, count(*) over (partition by symbol)
        ) as detail
    from adjusted_disagreements
    order by symbol, price_date desc

),

anomalies as (

    select * from price_moves
    union all
    select * from non_positive
    union all
    select * from missing_sessions
    union all
    select * from split_mismatches
    union all
    select * from dividend_mismatches
    union all
    select * from adjusted_mismatches

),

final as (

    select
        cast(symbol as text) as symbol,
        cast(price_date as date) as price_date,
        cast(anomaly as text) as anomaly,
        cast(detail as text) as detail
    from anomalies

)

select * from final
