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
