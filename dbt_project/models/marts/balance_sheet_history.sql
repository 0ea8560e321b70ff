{{ config(materialized='contracted_table', post_hook="{{ statement_as_of_function('balance_sheet_as_of') }}") }}

{#- Every version of each company's balance sheet per fiscal period we held (macros/statements.sql). -#}
{{ statement_history(ref('stg_fmp__balance_sheets')) }}
