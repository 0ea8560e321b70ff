{#-
    One row per symbol and split date, every split FMP listed (per-symbol histories and the market-wide
    calendar). A small table, rebuilt whole on every run.
-#}

with

splits as (

    select * from {{ ref('stg_fmp__splits') }}

),

final as (

    select
        cast(symbol as text) as symbol,
        cast(split_date as date) as split_date,
        cast(numerator as numeric) as numerator,
        cast(denominator as numeric) as denominator,
        cast(numerator / nullif(denominator, 0) as numeric) as split_ratio,
        cast(first_loaded_at as timestamptz) as first_loaded_at,
        cast(_loaded_at as timestamptz) as _loaded_at
    from splits

)

select * from final
