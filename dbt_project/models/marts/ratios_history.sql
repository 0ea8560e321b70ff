{%- set key_columns = ['security_id', 'fiscal_year', 'period'] -%}
{%- set value_columns = ['period_end_date', 'reported_currency'] + ratio_fields() | map('last') | list -%}

{#- The key's unique index is the primary key's, which the contract (_marts__models.yml) creates with the table. -#}
{{ config(materialized='contracted_table', post_hook="{{ ratios_as_of_function() }}") }}

{#-
    Every version of each company, fiscal year and period the ratios mart has held: a restatement or a re-dated
    period (a later landing with other figures or another period end) closes the version held and opens a new
    one; a landing that repeats the figures held is no new version, under the company's old ticker or its new
    one. A table rebuilt on every run, as marts.ratios.
-#}

-- the post-hook's read on both clocks takes each period's acceptance from the income statements
-- depends_on: {{ ref('income_statement_history') }}

with

ratios as (

    select {{ security_of('landed') }} as security_id, landed.*
    from {{ ref('stg_fmp__ratios') }} as landed
    {{ join_security('landed') }}
    where landed.fiscal_year is not null

),

-- the period as known at the end of each landing time: the last record of that landing
states as (
    {{ last_state_per_landing('ratios', key_columns) }}
),

versions as (
    {{ versions_from_states('states', key_columns, value_columns) }}
),

-- a version's ticker is the one of its last landing: a ticker change alone makes no version
final as (

    select
        cast(versions.security_id as text) as security_id,
        {{ ratio_columns_typed() }}
        cast(row_number() over (
            partition by versions.security_id, versions.fiscal_year, versions.period order by versions.valid_from
        ) as integer) as version,
        {{ validity_columns_typed() }}
    from versions
    join (select security_id, fiscal_year, period, _loaded_at, symbol from states) as tickers
        using (security_id, fiscal_year, period, _loaded_at)

)

select * from final
