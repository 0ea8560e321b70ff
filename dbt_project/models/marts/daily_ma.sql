{%- set windows = var('sma_windows') -%}
{%- for n in windows if n is not integer or n < 1 -%}
    {{ exceptions.raise_compiler_error("sma_windows must be whole numbers of rows >= 1, got " ~ windows) }}
{%- endfor -%}
{%- set lookback = (windows | max) - 1 -%}

{{ symbol_day_incremental_config() }}

{#-
    Simple moving averages over the last n trading rows of each symbol, one column per window in the
    `sma_windows` var: `sma_<n>` of `close` (split-adjusted: the price chart's line) and `adj_sma_<n>` of
    `adj_close` (split- and dividend-adjusted: for signals that compare with returns). NULL until n values
    exist (and while a NULL is inside the window), as pandas' rolling(n).mean() does.

    Incremental runs start from the daily_prices rows that landed since the newest `_loaded_at` held here:
    - where a close or adj_close is new or differs, every row of that symbol from that day on is recomputed,
      reading only the (largest window - 1) rows before it; a split or a dividend re-adjusts every earlier day,
      so that symbol is recomputed from its first row;
    - rows reloaded with the same close and adj_close keep their averages and only take the new `_loaded_at`.
    Sums are exact numeric arithmetic and the division is deterministic, so the result equals a full rebuild
    to the last digit (trim_scale drops the division's trailing zeros: 1.5, not 1.5000000000000000).
    daily_prices is read in place each time, not through an import CTE: a CTE used more than once is
    materialized in full.
-#}

with

{% if incremental_run() %}

touched as (

    select
        daily_prices.symbol,
        daily_prices.price_date,
        daily_prices.close,
        daily_prices.adj_close,
        existing.symbol is null
            or existing.close is distinct from daily_prices.close
            or existing.adj_close is distinct from daily_prices.adj_close as close_moved,
        {%- for n in windows %}
        existing.sma_{{ n }},
        existing.adj_sma_{{ n }},
        {%- endfor %}
        daily_prices._loaded_at
    from {{ ref('daily_prices') }} as daily_prices
    left join {{ this }} as existing
        on existing.symbol = daily_prices.symbol
        and existing.price_date = daily_prices.price_date
    where daily_prices._loaded_at > {{ high_water_mark() }}

),

-- each touched row with its symbol's first day whose close is new or different (NULL when none is)
touched_with_start as (

    select
        touched.*,
        min(case when close_moved then price_date end) over (partition by symbol) as first_moved_date
    from touched

),

recompute_from as (

    select distinct
        symbol,
        first_moved_date
    from touched_with_start
    where first_moved_date is not null

),

-- the rows before the first moved close that the widest window still reaches
read_from as (

    select
        recompute_from.symbol,
        recompute_from.first_moved_date,
        coalesce(reach.first_needed_date, recompute_from.first_moved_date) as first_read_date
    from recompute_from
    cross join lateral (
        select min(prior.price_date) as first_needed_date
        from (
            select daily_prices.price_date
            from {{ ref('daily_prices') }} as daily_prices
            where daily_prices.symbol = recompute_from.symbol
                and daily_prices.price_date < recompute_from.first_moved_date
            order by daily_prices.price_date desc
            limit {{ lookback }}
        ) as prior
    ) as reach

),

window_input as (

    select
        daily_prices.symbol,
        daily_prices.price_date,
        daily_prices.close,
        daily_prices.adj_close,
        daily_prices._loaded_at,
        daily_prices.price_date >= read_from.first_moved_date as is_output
    from {{ ref('daily_prices') }} as daily_prices
    inner join read_from
        on daily_prices.symbol = read_from.symbol
        and daily_prices.price_date >= read_from.first_read_date

),

{% else %}

window_input as (

    select
        symbol,
        price_date,
        close,
        adj_close,
        _loaded_at,
        true as is_output
    from {{ ref('daily_prices') }}

),

{% endif %}

averaged as (

    select
        symbol,
        price_date,
        close,
        adj_close,
        _loaded_at,
        is_output,
        {%- for n in windows %}
        case
            when count(close) over last_{{ n }} = {{ n }} then trim_scale(avg(close) over last_{{ n }})
        end as sma_{{ n }},
        case
            when count(adj_close) over last_{{ n }} = {{ n }} then trim_scale(avg(adj_close) over last_{{ n }})
        end as adj_sma_{{ n }}{{ ',' if not loop.last }}
        {%- endfor %}
    from window_input
    window
        {%- for n in windows %}
        last_{{ n }} as (partition by symbol order by price_date rows between {{ n - 1 }} preceding and current row)
        {{- ',' if not loop.last }}
        {%- endfor %}

),

recomputed as (

    select
        symbol,
        price_date,
        close,
        adj_close,
        {%- for n in windows %}
        sma_{{ n }},
        adj_sma_{{ n }},
        {%- endfor %}
        _loaded_at
    from averaged
    where is_output

),

{% if incremental_run() %}

-- reloaded with the same close, and before any moved close of the symbol: the averages stand
carried as (

    select
        symbol,
        price_date,
        close,
        adj_close,
        {%- for n in windows %}
        sma_{{ n }},
        adj_sma_{{ n }},
        {%- endfor %}
        _loaded_at
    from touched_with_start
    where not close_moved and (first_moved_date is null or price_date < first_moved_date)

),

all_rows as (

    select * from recomputed
    union all
    select * from carried

),

{% else %}

all_rows as (

    select * from recomputed

),

{% endif %}

final as (

    select
        cast(symbol as text) as symbol,
        cast(price_date as date) as price_date,
        cast(close as numeric) as close,
        {%- for n in windows %}
        cast(sma_{{ n }} as numeric) as sma_{{ n }},
        {%- endfor %}
        cast(adj_close as numeric) as adj_close,
        {%- for n in windows %}
        cast(adj_sma_{{ n }} as numeric) as adj_sma_{{ n }},
        {%- endfor %}
        cast(_loaded_at as timestamptz) as _loaded_at
    from all_rows

)

select * from final
