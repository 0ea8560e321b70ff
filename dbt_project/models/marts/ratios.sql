{#- The key's unique index is the primary key's, which the contract (_marts__models.yml) creates with the table. -#}
{{
    config(
        materialized='contracted_incremental',
        incremental_strategy='merge',
        unique_key=['symbol', 'fiscal_year', 'period'],
        on_schema_change='fail',
        indexes=[
            {'columns': ['_loaded_at']},
        ],
    )
}}

{#-
    One row per symbol, fiscal year and period (FY, Q1..Q4): the latest landed version, so a restated period
    replaces the figures held before, and a re-dated one (FMP moves a 52/53-week year's end, 09-30 to 09-28)
    replaces the row of its old date: raw keys FMP's records by their date, so both dates stay latest there and
    the later landing wins here. Incremental runs merge only versions landed since the newest `_loaded_at` held.
-#}

with

ratios as (

    select * from {{ ref('stg_fmp__ratios') }}
    where is_latest
    {%- if incremental_run() %}
        and _loaded_at > {{ high_water_mark() }}
    {%- endif %}

),

latest as (

    select distinct on (symbol, fiscal_year, period) *
    from ratios
    where fiscal_year is not null
    order by symbol, fiscal_year, period, _loaded_at desc, _seq desc

),

final as (

    select
        {{ ratio_columns_typed() }}
        cast(_loaded_at as timestamptz) as _loaded_at
    from latest

)

select * from final
