{#- The records carry no `symbol`: the key is (oldSymbol, newSymbol, date), probed by migration 0005's index. -#}

with

source as (

    select
        landed.*,
        -- when this change was first landed: the marts re-map the two tickers' prices from then on
        (
            select min(earliest._loaded_at)
            from {{ source('fmp', 'symbol_changes') }} as earliest
            where (earliest.payload ->> 'oldSymbol') = (landed.payload ->> 'oldSymbol')
                and (earliest.payload ->> 'newSymbol') = (landed.payload ->> 'newSymbol')
                and {{ raw_date('earliest') }} = {{ raw_date('landed') }}
        ) as first_loaded_at
    from {{ source('fmp', 'symbol_changes') }} as landed
    where not exists (
        select 1
        from {{ source('fmp', 'symbol_changes') }} as newer
        where (newer.payload ->> 'oldSymbol') = (landed.payload ->> 'oldSymbol')
            and (newer.payload ->> 'newSymbol') = (landed.payload ->> 'newSymbol')
            and {{ raw_date('newer') }} = {{ raw_date('landed') }}
            and (newer._loaded_at, newer._seq) > (landed._loaded_at, landed._seq)
    )

),

renamed as (

    select
        -- ids
        {{ json_text('oldSymbol') }} as old_symbol,
        {{ json_text('newSymbol') }} as new_symbol,
        {{ raw_date('source') }} as change_date,

        -- company
        {{ json_text('companyName') }} as company_name,

        -- metadata
        source.first_loaded_at,
        source._run_id as run_id,
        source._loaded_at,
        source._seq

    from source

)

select * from renamed
where old_symbol is not null and new_symbol is not null and change_date is not null and old_symbol <> new_symbol
