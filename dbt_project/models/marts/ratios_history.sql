{%- set key_columns = ['symbol', 'fiscal_year', 'period'] -%}
{%- set value_columns = ['period_end_date', 'reported_currency'] + ratio_fields() | map('last') | list -%}

{#- The key's unique index is the primary key's, which the contract (_marts__models.yml) creates with the table. -#}
{{
    config(
        materialized='contracted_incremental',
        incremental_strategy='merge',
        unique_key=['symbol', 'fiscal_year', 'period', 'valid_from'],
        on_schema_change='fail',
        indexes=[
            {'columns': ['_loaded_at']},
        ],
        post_hook="{{ ratios_as_of_function() }}",
    )
}}

{#-
    Every version of each symbol, fiscal year and period the ratios mart has held: a restatement or a re-dated
    period (a later landing with other figures or another period end) closes the version held and opens a new
    one; a landing that repeats the figures held is no new version. Incremental runs recompute the periods with
    a landing since the newest `_loaded_at` held, from all their landings.
-#}

-- the post-hook's read on both clocks takes each period's acceptance from the income statements
-- depends_on: {{ ref('income_statement_history') }}
-- depends_on: {{ ref('symbol_securities') }}

with

{% if incremental_run() %}

touched as (
    {{ keys_landed_since([ref('stg_fmp__ratios')], key_columns, high_water_mark()) }}
),

{% endif %}

ratios as (
    {{ landings(
        ref('stg_fmp__ratios'),
        key_columns,
        key_columns + ['_loaded_at', '_seq'] + value_columns,
        'touched' if incremental_run() else none,
    ) }}
),

-- the period as known at the end of each landing time: the last record of that landing
states as (

    select *
    from (
        select
            *,
            row_number() over (partition by symbol, fiscal_year, period, _loaded_at order by _seq desc)
                as landed_after_in_load
        from ratios
    ) as ranked
    where landed_after_in_load = 1
        and fiscal_year is not null

),

versions as (
    {{ versions_from_states('states', key_columns, value_columns) }}
),

final as (

    select
        {{ ratio_columns_typed() }}
        {{ validity_columns_typed() }}
    from versions

)

select * from final
