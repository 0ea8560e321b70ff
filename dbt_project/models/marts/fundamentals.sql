{{ config(materialized='contracted_table', post_hook="{{ fundamentals_as_of_function() }}") }}

{#-
    The headline figures of the three statements side by side, per company, fiscal year and period, as FMP
    serves them now. `fundamentals_as_of(t)` (macros/fundamentals.sql) reads the same figures on both clocks.
-#}

with

income as (

    select * from {{ ref('income_statement') }}

),

balance as (

    select * from {{ ref('balance_sheet') }}

),

cash as (

    select * from {{ ref('cash_flow') }}

),

final as (

    select
        {{ fundamentals_figures('income', 'balance', 'cash') }},
        greatest(income._loaded_at, balance._loaded_at, cash._loaded_at) as _loaded_at
    from income
    left join balance using (security_id, fiscal_year, period)
    left join cash using (security_id, fiscal_year, period)

)

select * from final
