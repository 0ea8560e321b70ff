{#- The key's unique index is the primary key's, which the contract (_marts__models.yml) creates with the table. -#}
{{
    config(
        materialized='contracted_incremental',
        incremental_strategy='merge',
        unique_key=['symbol', 'period_end_date', 'period'],
        on_schema_change='fail',
        indexes=[
            {'columns': ['_loaded_at']},
        ],
    )
}}

{#-
    One row per symbol, fiscal period end and period (FY, Q1..Q4): the latest landed version, so a restated
    period replaces the figures held before. Incremental runs merge only versions landed since the newest
    `_loaded_at` held here.
-#}

with

ratios as (

    select * from {{ ref('stg_fmp__ratios') }}
    where is_latest
    {%- if incremental_run() %}
        and _loaded_at > {{ high_water_mark() }}
    {%- endif %}

),

final as (

    select
        {{ ratio_columns_typed() }}
        cast(_loaded_at as timestamptz) as _loaded_at
    from ratios

)

select * from final
