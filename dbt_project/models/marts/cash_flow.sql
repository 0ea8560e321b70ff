{#- The key's unique index is the primary key's, which the contract (_marts__models.yml) creates with the table. -#}
{{ config(materialized='contracted_table') }}

{#- FMP's cash flow per company and fiscal period as served now: its history's current versions. -#}
{{ statement_current(ref('cash_flow_history')) }}
