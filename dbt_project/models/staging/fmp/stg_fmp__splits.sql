with

source as (

    select
        landed.*,
        -- when an action of this symbol and date was first landed: the point-in-time prices apply it from then
        (
            select min(earliest._loaded_at)
            from {{ source('fmp', 'splits') }} as earliest
            where {{ raw_symbol('earliest') }} = {{ raw_symbol('landed') }}
                and {{ raw_date('earliest') }} = {{ raw_date('landed') }}
        ) as first_loaded_at
    from {{ source('fmp', 'splits') }} as landed
    where {{ is_latest_version(source('fmp', 'splits'), 'landed', ['raw_date']) }}

),

renamed as (

    select
        -- ids
        cast({{ raw_symbol('source') }} as text) as symbol,
        {{ raw_date('source') }} as split_date,

        -- numerics: `numerator` new shares for `denominator` old ones
        {{ json_numeric('numerator') }} as numerator,
        {{ json_numeric('denominator') }} as denominator,

        -- metadata
        source.first_loaded_at,
        cast(source._endpoint as text) as source_endpoint,
        source._run_id as run_id,
        source._loaded_at,
        source._seq

    from source

)

select * from renamed
where symbol is not null and split_date is not null
