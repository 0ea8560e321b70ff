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
    Every version of each symbol and trading day that daily_prices has held or would have held: the day's
    state after each landing time, as daily_prices reads it (the latest `full` or eod-bulk record landed by
    then for the prices, the latest `dividend-adjusted` record for adj_close, eod-bulk's adjClose when there is
    none, else the close; no state before the first prices record). A landing of either half is a new version when it changes
    one of open, high, low, close, adj_close or volume; an eod-bulk row that repeats the `full` values is not.

    Incremental runs recompute the days with a landing since the newest `_loaded_at` held (a new day, the
    re-read overlap, a refetched history after a split), from all their landings, and merge them: the
    version that was current gets its valid_to, the new one is added.
-#}

with

{% if incremental_run() %}

touched as (
    {{ keys_landed_since(
        [ref('stg_fmp__prices'), ref('stg_fmp__prices_adjusted')], key_columns, high_water_mark()
    ) }}
),

{% endif %}

prices as (
    {{ landings(
        ref('stg_fmp__prices'),
        key_columns,
        key_columns + ['_loaded_at', '_seq', 'open', 'high', 'low', 'close', 'volume', 'adj_close'],
        'touched' if incremental_run() else none,
    ) }}
),

adjusted as (
    {{ landings(
        ref('stg_fmp__prices_adjusted'),
        key_columns,
        key_columns + ['_loaded_at', '_seq', 'adj_close'],
        'touched' if incremental_run() else none,
    ) }}
),

-- both halves' records in one landing order per day: time, then the half, then `_seq` within a half
landed as (

    select
        symbol, price_date, _loaded_at, 0 as half, _seq,
        open, high, low, close, volume, adj_close as bulk_adj_close, cast(null as numeric) as dividend_adj_close
    from prices
    union all
    select
        symbol, price_date, _loaded_at, 1 as half, _seq,
        null, null, null, null, null, null, adj_close
    from adjusted

),

-- how many records of each half had landed by each record: a half's values are those of its latest record
counted as (

    select
        *,
        count(*) filter (where half = 0) over landing_order as prices_landed,
        count(*) filter (where half = 1) over landing_order as adjusted_landed,
        row_number() over (
            partition by symbol, price_date, _loaded_at order by half desc, _seq desc
        ) as landed_after_in_load
    from landed
    window landing_order as (partition by symbol, price_date order by _loaded_at, half, _seq rows unbounded preceding)

),

carried as (

    select
        symbol,
        price_date,
        _loaded_at,
        prices_landed,
        landed_after_in_load,
        {%- for column in ['open', 'high', 'low', 'close', 'volume', 'bulk_adj_close'] %}
        first_value({{ column }}) over latest_prices as {{ column }},
        {%- endfor %}
        first_value(dividend_adj_close) over latest_adjusted as dividend_adj_close
    from counted
    window
        latest_prices as (partition by symbol, price_date, prices_landed order by _loaded_at, half, _seq),
        latest_adjusted as (partition by symbol, price_date, adjusted_landed order by _loaded_at, half, _seq)

),

-- the day as known at the end of each landing time, once it has prices
states as (

    select
        symbol,
        price_date,
        _loaded_at,
        open,
        high,
        low,
        close,
        coalesce(dividend_adj_close, bulk_adj_close, close) as adj_close,  -- as daily_prices
        volume
    from carried
    where landed_after_in_load = 1
        and prices_landed > 0

),

versions as (
    {{ versions_from_states('states', key_columns, value_columns) }}
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
        cast(valid_from as timestamptz) as valid_from,
        cast(valid_to as timestamptz) as valid_to,
        cast(_loaded_at as timestamptz) as _loaded_at
    from versions

)

select * from final
