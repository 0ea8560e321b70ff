{{ config(materialized='contracted_table', post_hook="{{ statement_as_of_function('cash_flow_as_of') }}") }}

{#- Every version of each company's cash flow per fiscal period we held (macros/statements.sql). -#}
{{ statement_history(ref('stg_fmp__cash_flows')) }}
