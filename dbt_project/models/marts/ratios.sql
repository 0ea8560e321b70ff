{#- The key's unique index is the primary key's, which the contract (_marts__models.yml) creates with the table. -#}
{{ config(materialized='contracted_table') }}

{#-
    One row per company (security_id), fiscal year and period (FY, Q1..Q4): the current version in
    marts.ratios_history, so a restated period replaces the figures held before, a re-dated one (FMP moves a
    52/53-week year's end, 09-30 to 09-28) replaces the row of its old date, and ratios fetched under a
    company's new ticker replace those fetched under its old one. A table rebuilt on every run, as the
    statement marts: a ticker change the security master learns late re-keys every period held, which a merge
    could not (it would keep the rows of the old key).
-#}

with

final as (

    select
        cast(security_id as text) as security_id,
        {{ ratio_columns_typed() }}
        cast(_loaded_at as timestamptz) as _loaded_at
    from {{ ref('ratios_history') }}
    where valid_to is null

)

select * from final
