with

source as (

    select
        landed.*,
        -- when this symbol was first landed by this endpoint (an index probe, not a scan)
        (
            select min(earliest._loaded_at)
            from {{ source('fmp', 'symbols') }} as earliest
            where {{ raw_symbol('earliest') }} = {{ raw_symbol('landed') }}
                and earliest._endpoint = landed._endpoint
        ) as first_loaded_at,
        -- the latest landed version per symbol and endpoint (what marts.symbols reads); every version is kept
        -- for marts.symbol_history, which reads each screener run's whole answer
        {{ is_latest_version(source('fmp', 'symbols'), 'landed', ['raw_endpoint']) }} as is_latest
    from {{ source('fmp', 'symbols') }} as landed

),

renamed as (

    select
        -- ids
        cast({{ raw_symbol('source') }} as text) as symbol,

        -- company (stock-list sends companyName, actively-trading-list sends name)
        coalesce({{ json_text('companyName') }}, {{ json_text('name') }}) as company_name,
        {{ json_text('exchange') }} as exchange,
        {{ json_text('exchangeShortName') }} as exchange_short_name,
        {{ json_text('sector') }} as sector,
        {{ json_text('industry') }} as industry,
        {{ json_text('country') }} as country,

        -- numerics
        {{ json_bigint('marketCap') }} as market_cap,
        {{ json_numeric('beta') }} as beta,
        {{ json_numeric('price') }} as price,
        {{ json_numeric('lastAnnualDividend') }} as last_annual_dividend,
        {{ json_bigint('volume') }} as volume,

        -- flags
        {{ json_boolean('isEtf') }} as is_etf,
        {{ json_boolean('isFund') }} as is_fund,
        {{ json_boolean('isActivelyTrading') }} as is_actively_trading,

        -- metadata
        cast(source._endpoint as text) as source_endpoint,
        source.first_loaded_at,
        source.is_latest,
        source._run_id as run_id,
        source._loaded_at,
        source._seq

    from source

)

select * from renamed
where symbol is not null
