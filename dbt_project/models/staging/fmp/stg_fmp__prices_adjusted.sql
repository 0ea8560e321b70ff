with

source as (

    select
        landed.*,
        {{ is_latest_version(source('fmp', 'prices_adjusted'), 'landed', ['raw_date']) }} as is_latest
    from {{ source('fmp', 'prices_adjusted') }} as landed

),

renamed as (

    select
        -- ids
        cast({{ raw_symbol('source') }} as text) as symbol,
        {{ raw_date('source') }} as price_date,

        -- prices: split- and dividend-adjusted
        {{ json_numeric('adjOpen') }} as adj_open,
        {{ json_numeric('adjHigh') }} as adj_high,
        {{ json_numeric('adjLow') }} as adj_low,
        {{ json_numeric('adjClose') }} as adj_close,
        {{ json_bigint('volume') }} as volume,

        -- metadata
        cast(source._endpoint as text) as source_endpoint,
        source._run_id as run_id,
        source._loaded_at,
        source._seq,
        source.is_latest

    from source

)

select * from renamed
where symbol is not null and price_date is not null
