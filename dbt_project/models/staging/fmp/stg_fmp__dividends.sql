with

source as (

    select
        landed.*,
        -- when an action of this symbol and date was first landed: the point-in-time prices apply it from then
        (
            select min(earliest._loaded_at)
            from {{ source('fmp', 'dividends') }} as earliest
            where {{ raw_symbol('earliest') }} = {{ raw_symbol('landed') }}
                and {{ raw_date('earliest') }} = {{ raw_date('landed') }}
        ) as first_loaded_at
    from {{ source('fmp', 'dividends') }} as landed
    where {{ is_latest_version(source('fmp', 'dividends'), 'landed', ['raw_date', 'raw_dividend']) }}

),

renamed as (

    select
        -- ids: a regular and a special payment can share an ex-date, the amount tells them apart
        cast({{ raw_symbol('source') }} as text) as symbol,
        {{ raw_date('source') }} as ex_date,
        {{ json_numeric('dividend') }} as dividend,

        -- numerics
        {{ json_numeric('adjDividend') }} as adj_dividend,
        {{ json_numeric('yield') }} as dividend_yield,
        {{ json_text('frequency') }} as frequency,

        -- dates
        raw.fmp_date({{ json_text('recordDate') }}) as record_date,
        raw.fmp_date({{ json_text('paymentDate') }}) as payment_date,
        raw.fmp_date({{ json_text('declarationDate') }}) as declaration_date,

        -- metadata
        source.first_loaded_at,
        cast(source._endpoint as text) as source_endpoint,
        source._run_id as run_id,
        source._loaded_at,
        source._seq

    from source

)

select * from renamed
-- the amount is part of the key: a record without one cannot be told from the others of its ex-date
where symbol is not null and ex_date is not null and dividend is not null
