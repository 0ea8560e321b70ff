{#- The key's unique index is the primary key's, which the contract (_marts__models.yml) creates with the table. -#}
{{
    config(
        materialized='contracted_table',
        indexes=[
            {'columns': ['last_seen_at']},
            {'columns': ['security_id']},
        ],
    )
}}

{#-
    One row per symbol ever seen, never removed. Its attributes come from the richest record landed for it:
    the latest company-screener record, else the latest stock-list record, else the latest bare symbol-list
    entry, else (a company delisted before any list named it) its latest `delisted-companies` record. It was first seen when any endpoint first landed it and last seen when one last did.

    is_listed: in the latest screener answer, for a symbol the screener ever listed (an explicit symbol list
    says which symbols to fetch, not that the others are gone); for a symbol only ever named by a list, not
    known to FMP's delisted companies. delisted_date is FMP's latest delisting of the ticker, when it has one
    (a reused ticker keeps the delisting of its earlier company, and is listed again). security_id is the
    company the ticker means now, or last meant (marts.symbol_securities).

    A table rebuilt on every run: a symbol's listing state changes when other symbols' records land (the
    screener's latest answer leaves it out), which a merge of the symbols landed since the last run would miss;
    it holds a few thousand rows.
-#}

{%- set attribute_columns = [
    'company_name', 'exchange', 'exchange_short_name', 'sector', 'industry', 'country', 'market_cap', 'beta',
    'price', 'last_annual_dividend', 'volume', 'is_etf', 'is_fund', 'is_actively_trading',
] %}

with

candidates as (

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
    where is_latest

    union all

    -- a company FMP lists as delisted that no symbol list ever named (gone before the first run): its
    -- delisting record is all we know of it; its latest delisting when the ticker was delisted twice
    (
        select distinct on (delisted.symbol)
            delisted.symbol,
            delisted.company_name,
            cast(null as text) as exchange,
            delisted.exchange as exchange_short_name,
            cast(null as text) as sector,
            cast(null as text) as industry,
            cast(null as text) as country,
            cast(null as bigint) as market_cap,
            cast(null as numeric) as beta,
            cast(null as numeric) as price,
            cast(null as numeric) as last_annual_dividend,
            cast(null as bigint) as volume,
            cast(null as boolean) as is_etf,
            cast(null as boolean) as is_fund,
            false as is_actively_trading,
            'delisted-companies' as attributes_source,
            delisted._loaded_at as attributes_loaded_at,
            delisted.first_loaded_at as first_seen_at,
            delisted._loaded_at as last_seen_at
        from {{ ref('stg_fmp__delisted') }} as delisted
        where not exists (
            select 1 from {{ ref('stg_fmp__symbols') }} as named where named.symbol = delisted.symbol
        )
        order by delisted.symbol, delisted.delisted_date desc
    )

),

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

-- the latest company-screener answer, and whether each symbol the screener ever listed is in it
latest_screen as (

    select run_id
    from {{ ref('stg_fmp__symbols') }}
    where source_endpoint = 'company-screener'
    order by _loaded_at desc, _seq desc
    limit 1

),

screened as (

    select
        symbol,
        bool_or(run_id = (select latest_screen.run_id from latest_screen)) as in_latest_screen
    from {{ ref('stg_fmp__symbols') }}
    where source_endpoint = 'company-screener'
    group by symbol

),

delistings as (

    select
        symbol,
        max(delisted_date) as delisted_date
    from {{ ref('stg_fmp__delisted') }}
    group by symbol

),

-- the ticker's latest period with prices (one index probe each), else its latest: a delisted or renamed ticker
-- keeps the company it last meant rather than the empty period that follows
current_security as (

    select distinct on (periods.symbol)
        periods.symbol,
        periods.security_id
    from {{ ref('symbol_securities') }} as periods
    order by
        periods.symbol,
        exists (
            select 1 from {{ ref('stg_fmp__prices') }} as prices
            where prices.is_latest
                and prices.symbol = periods.symbol
                and prices.price_date >= periods.valid_from
                and prices.price_date < periods.valid_to
        ) desc,
        periods.valid_from desc

),

final as (

    select
        cast(ranked.symbol as text) as symbol,
        {%- for column in attribute_columns %}
        ranked.{{ column }},
        {%- endfor %}
        cast(ranked.attributes_source as text) as attributes_source,
        cast(ranked.attributes_loaded_at as timestamptz) as attributes_loaded_at,
        cast(ranked.symbol_first_seen_at as timestamptz) as first_seen_at,
        cast(ranked.symbol_last_seen_at as timestamptz) as last_seen_at,
        cast(ranked.symbol_first_seen_at at time zone 'UTC' as date) as first_seen_date,
        cast(ranked.symbol_last_seen_at at time zone 'UTC' as date) as last_seen_date,
        cast(delistings.delisted_date as date) as delisted_date,
        cast(
            case
                when screened.symbol is not null then screened.in_latest_screen
                else delistings.symbol is null
            end as boolean
        ) as is_listed,
        cast(coalesce(current_security.security_id, ranked.symbol) as text) as security_id
    from ranked
    left join screened on screened.symbol = ranked.symbol
    left join delistings on delistings.symbol = ranked.symbol
    left join current_security on current_security.symbol = ranked.symbol
    where ranked.preference = 1

)

select * from final
