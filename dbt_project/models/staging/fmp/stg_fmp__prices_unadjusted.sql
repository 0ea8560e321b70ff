with

source as (

    select * from {{ source('fmp', 'prices_unadjusted') }} as landed
    where {{ is_latest_version(source('fmp', 'prices_unadjusted'), 'landed', ['raw_date']) }}

),

renamed as (

    select
        -- ids
        cast({{ raw_symbol('source') }} as text) as symbol,
        {{ raw_date('source') }} as price_date,

        -- prices as traded: FMP names them adj* although no split is applied
        {{ json_numeric('adjClose') }} as traded_close,
        {{ json_bigint('volume') }} as traded_volume,

        -- metadata
        cast(source._endpoint as text) as source_endpoint,
        source._run_id as run_id,
        source._loaded_at,
        source._seq

    from source

)

select * from renamed
where symbol is not null and price_date is not null
