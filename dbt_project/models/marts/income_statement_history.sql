{{ config(materialized='contracted_table', post_hook="{{ statement_as_of_function('income_statement_as_of') }}") }}

{#- Every version of each company's income statement per fiscal period we held (macros/statements.sql). -#}
{{ statement_history(ref('stg_fmp__income_statements')) }}
