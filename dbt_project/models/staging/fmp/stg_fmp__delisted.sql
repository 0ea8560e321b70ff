with

source as (

    select
        landed.*,
        -- when this delisting was first landed (an index probe): the marts re-map tickers it splits from then on
        (
            select min(earliest._loaded_at)
            from {{ source('fmp', 'delisted') }} as earliest
            where {{ raw_symbol('earliest') }} = {{ raw_symbol('landed') }}
                and {{ raw_delisted_date('earliest') }} = {{ raw_delisted_date('landed') }}
        ) as first_loaded_at
    from {{ source('fmp', 'delisted') }} as landed
    where {{ is_latest_version(source('fmp', 'delisted'), 'landed', ['raw_delisted_date']) }}

),

renamed as (

    select
        -- ids
        cast({{ raw_symbol('source') }} as text) as symbol,
        {{ raw_delisted_date('source') }} as delisted_date,

        -- company
        {{ json_text('companyName') }} as company_name,
        {{ json_text('exchange') }} as exchange,
        raw.fmp_date({{ json_text('ipoDate') }}) as ipo_date,

        -- metadata
        source.first_loaded_at,
        source._run_id as run_id,
        source._loaded_at,
        source._seq

    from source

)

select * from renamed
where symbol is not null and delisted_date is not null
