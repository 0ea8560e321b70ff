{#- The key's unique index is the primary key's, which the contract (_marts__models.yml) creates with the table. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key='symbol',
        on_schema_change='fail',
        indexes=[
            {'columns': ['last_seen_at']},
        ],
    )
}}

{#-
    One row per symbol. Its attributes come from the richest record landed for it: the latest company-screener
    record, else the latest stock-list record, else the latest bare symbol-list entry. It was first seen when
    any endpoint first landed it and last seen when one last did.

    Incremental runs compare the records landed since `last_seen_at` with the row already held: the preferred
    record of (new records plus the held row's own record) is the preferred record overall, so the merge
    equals a full rebuild.
-#}

{%- set attribute_columns = [
    'company_name', 'exchange', 'exchange_short_name', 'sector', 'industry', 'country', 'market_cap', 'beta',
    'price', 'last_annual_dividend', 'volume', 'is_etf', 'is_fund', 'is_actively_trading',
] %}

with

landed as (

    select
        symbol,
        {%- for column in attribute_columns %}
        {{ column }},
        {%- endfor %}
        source_endpoint as attributes_source,
        _loaded_at as attributes_loaded_at,
        first_loaded_at as first_seen_at,
        _loaded_at as last_seen_at
    from {{ ref('stg_fmp__symbols') }}
    {%- if is_incremental() %}
    where _loaded_at > {{ high_water_mark('last_seen_at') }}
    {%- endif %}

),

{% if is_incremental() %}

candidates as (

    select * from landed

    union all

    select
        existing.symbol,
        {%- for column in attribute_columns %}
        existing.{{ column }},
        {%- endfor %}
        existing.attributes_source,
        existing.attributes_loaded_at,
        existing.first_seen_at,
        existing.last_seen_at
    from {{ this }} as existing
    where existing.symbol in (select landed.symbol from landed)

),

{% else %}

candidates as (

    select * from landed

),

{% endif %}

ranked as (

    select
        candidates.*,
        row_number() over (
            partition by symbol
            order by
                case attributes_source
                    when 'company-screener' then 1
                    when 'stock-list' then 2
                    when 'symbol-list' then 3
                    else 4
                end,
                attributes_loaded_at desc
        ) as preference,
        min(first_seen_at) over (partition by symbol) as symbol_first_seen_at,
        max(last_seen_at) over (partition by symbol) as symbol_last_seen_at
    from candidates

),

final as (

    select
        cast(symbol as text) as symbol,
        cast(company_name as text) as company_name,
        cast(exchange as text) as exchange,
        cast(exchange_short_name as text) as exchange_short_name,
        cast(sector as text) as sector,
        cast(industry as text) as industry,
        cast(country as text) as country,
        cast(market_cap as bigint) as market_cap,
        cast(beta as numeric) as beta,
        cast(price as numeric) as price,
        cast(last_annual_dividend as numeric) as last_annual_dividend,
        cast(volume as bigint) as volume,
        cast(is_etf as boolean) as is_etf,
        cast(is_fund as boolean) as is_fund,
        cast(is_actively_trading as boolean) as is_actively_trading,
        cast(attributes_source as text) as attributes_source,
        cast(attributes_loaded_at as timestamptz) as attributes_loaded_at,
        cast(symbol_first_seen_at as timestamptz) as first_seen_at,
        cast(symbol_last_seen_at as timestamptz) as last_seen_at
    from ranked
    where preference = 1

)

select * from final
