{#-
    Nested selects rather than CTEs: PostgreSQL never flattens a view whose query has a WITH clause into the query
    that reads it, so an `order by price_date desc limit 1` on this view would sort every version of the symbol
    instead of reading one entry of the raw version index backwards (marts.adjustment_factors' session probes).
-#}

select
    symbol,
    price_date,
    open,
    high,
    low,
    close,
    volume,
    adj_close,

    -- eod-bulk rows (and drifted records) lack these: derive them the way FMP does
    coalesce(reported_change, close - open) as change,
    coalesce(reported_change_percent, trim_scale(100 * (close - open) / nullif(open, 0))) as change_percent,
    coalesce(reported_vwap, trim_scale((high + low + close) / 3)) as vwap,

    source_endpoint,
    run_id,
    _loaded_at,
    _seq,
    is_latest

from (

    select
        -- ids
        cast({{ raw_symbol('source') }} as text) as symbol,
        {{ raw_date('source') }} as price_date,

        -- prices: as traded from `non-split-adjusted` (which names them adj*) and eod-bulk; split-adjusted as of
        -- the landing day from `full` (older warehouses)
        {%- for column in ['open', 'high', 'low', 'close'] %}
        case
            when source._endpoint = 'historical-price-eod/non-split-adjusted'
            then {{ json_numeric('adj' ~ column[0] | upper ~ column[1:]) }}
            else {{ json_numeric(column) }}
        end as {{ column }},
        {%- endfor %}
        {{ json_bigint('volume') }} as volume,

        -- sent by historical-price-eod/full only
        {{ json_numeric('change') }} as reported_change,
        {{ json_numeric('changePercent') }} as reported_change_percent,
        {{ json_numeric('vwap') }} as reported_vwap,

        -- sent by eod-bulk only: split- and dividend-adjusted close
        case when source._endpoint = 'eod-bulk' then {{ json_numeric('adjClose') }} end as adj_close,

        -- metadata
        cast(source._endpoint as text) as source_endpoint,
        source._run_id as run_id,
        source._loaded_at,
        source._seq,
        {{ is_latest_version(source('fmp', 'prices'), 'source', ['raw_date']) }} as is_latest

    from {{ source('fmp', 'prices') }} as source

) as renamed
-- a record without a symbol or a readable date cannot be placed anywhere
where symbol is not null and price_date is not null
