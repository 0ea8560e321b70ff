{#-
    A post-hook of daily_prices: `marts.daily_prices_on(as_of date)`, the prices as a user would have computed
    them on `as_of` (the market's clock): the held sessions up to `as_of`, adjusted by the actions dated on or
    before it only. The factors row that covers `as_of` holds the products of the events after it, so dividing
    by them takes exactly those events out. Any `as_of` in the held history works, before the warehouse's first
    load included. SQL and STABLE: a filter on its result reaches the table's primary key.
-#}
{% macro market_clock_function() -%}
    {%- set function = this.schema ~ '.daily_prices_on' -%}
    create or replace function {{ function }}(as_of date)
    returns table (
        symbol text, price_date date,
        traded_open numeric, traded_high numeric, traded_low numeric, traded_close numeric, traded_volume bigint,
        open numeric, high numeric, low numeric, close numeric, volume bigint,
        adj_open numeric, adj_high numeric, adj_low numeric, adj_close numeric
    )
    language sql
    stable
    parallel safe
    as $fn$
        select
            prices.symbol, prices.price_date,
            prices.traded_open, prices.traded_high, prices.traded_low, prices.traded_close, prices.traded_volume,
            trim_scale(prices.open / later.split), trim_scale(prices.high / later.split),
            trim_scale(prices.low / later.split), trim_scale(prices.close / later.split),
            round(prices.volume * later.split)::bigint,
            trim_scale(prices.adj_open / later.split / later.dividend),
            trim_scale(prices.adj_high / later.split / later.dividend),
            trim_scale(prices.adj_low / later.split / later.dividend),
            trim_scale(prices.adj_close / later.split / later.dividend)
        from {{ this }} as prices
        cross join lateral (
            select
                coalesce(max(factors.split_multiplier), 1) as split,
                coalesce(max(factors.dividend_multiplier), 1) as dividend
            from {{ ref('adjustment_factors') }} as factors
            where factors.symbol = prices.symbol
                and {{ factors_cover('factors', 'as_of') }}
        ) as later
        where prices.price_date <= as_of
    $fn$;
    comment on function {{ function }}(date) is
        'Prices as computed on as_of (the market''s clock): the sessions up to as_of, adjusted by the actions dated on or before it.'
{%- endmacro %}

{#-
    A post-hook of daily_prices_history: `marts.daily_prices_as_of(as_of timestamptz, clock marts.price_clock
    default 'market')`, the prices a user would have computed at `as_of`, on either clock:
    - 'market' (the default): the sessions up to as_of's date adjusted by the actions dated on or before it, from
      daily_prices_on; any date in the held history, before the warehouse's first load included (a backtest);
      valid_from is NULL;
    - 'warehouse' (our own clock): the versions of daily_prices_history valid at as_of, the bars and actions
      landed by then, corrections included; valid_from is when the version first landed.
    One inlinable SELECT: the clock is a constant after inlining, so only its branch runs and a filter on the
    result reaches the tables' primary keys. The clock is an enum, so a misspelt one is an error, not an empty
    result. The function reads daily_prices_on, which daily_prices' post-hook creates, and the two models can be
    built in either order: its body is checked when it is called, not when it is created.
-#}
{% macro prices_as_of_function() -%}
    {%- set function = this.schema ~ '.daily_prices_as_of' -%}
    {%- set clock = this.schema ~ '.price_clock' -%}
    do $do$ begin
        create type {{ clock }} as enum ('market', 'warehouse');
    exception when duplicate_object then null;
    end $do$;
    -- the signature before the clock argument: two would make a one-argument call ambiguous
    drop function if exists {{ function }}(timestamptz);
    set check_function_bodies = off;
    create or replace function {{ function }}(as_of timestamptz, clock {{ clock }} default 'market')
    returns table (
        symbol text, price_date date,
        open numeric, high numeric, low numeric, close numeric, adj_close numeric, volume bigint,
        valid_from timestamptz
    )
    language sql
    stable
    parallel safe
    as $fn$
        select
            on_the_day.symbol, on_the_day.price_date,
            on_the_day.open, on_the_day.high, on_the_day.low, on_the_day.close, on_the_day.adj_close,
            on_the_day.volume, cast(null as timestamptz)
        from {{ this.schema }}.daily_prices_on(cast(as_of as date)) as on_the_day
        where clock = 'market'
        union all
        select
            history.symbol, history.price_date,
            history.open, history.high, history.low, history.close, history.adj_close,
            history.volume, history.valid_from
        from {{ this }} as history
        where clock = 'warehouse'
            and history.valid_from <= as_of
            and (history.valid_to is null or history.valid_to > as_of)
    $fn$;
    reset check_function_bodies;
    comment on function {{ function }}(timestamptz, {{ clock }}) is
        'Prices as computed at as_of: on the market''s clock (the default), the sessions up to as_of''s date adjusted by the actions dated on or before it; on the warehouse''s clock, the versions of {{ this }} valid at as_of.'
{%- endmacro %}
