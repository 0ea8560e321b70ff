{{ config(materialized='contracted_table') }}

{#- Every ticker change FMP has listed to us, kept as long as raw keeps it (a small table, rebuilt each run). -#}

with

changes as (

    select * from {{ ref('stg_fmp__symbol_changes') }}

),

final as (

    select
        cast(old_symbol as text) as old_symbol,
        cast(new_symbol as text) as new_symbol,
        cast(change_date as date) as change_date,
        cast(company_name as text) as company_name
    from changes

)

select * from final
