with

source as (

    select
        landed.*,
        {{ is_latest_version(source('fmp', 'ratios'), 'landed', ['raw_date', 'raw_period']) }} as is_latest
    from {{ source('fmp', 'ratios') }} as landed

),

renamed as (

    select
        -- ids
        cast({{ raw_symbol('source') }} as text) as symbol,
        {{ raw_date('source') }} as period_end_date,
        cast({{ raw_period('source') }} as text) as period,

        -- period details
        {{ json_integer('fiscalYear') }} as fiscal_year,
        {{ json_text('reportedCurrency') }} as reported_currency,

        -- ratios, in the order FMP sends them
        {%- for fmp_name, column_name in ratio_fields() %}
        {{ json_numeric(fmp_name) }} as {{ column_name }},
        {%- endfor %}

        -- metadata
        cast(source._endpoint as text) as source_endpoint,
        source._run_id as run_id,
        source._loaded_at,
        source._seq,
        source.is_latest

    from source

)

select * from renamed
where symbol is not null and period_end_date is not null and period is not null
