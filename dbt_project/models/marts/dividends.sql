{#-
    One row per symbol, ex-date and amount: FMP lists a regular and a special payment on one ex-date as two
    records, and both are kept. The same amount written twice for an ex-date (0.5 and 0.50) is one payment:
    the latest landed record wins. A small table, rebuilt whole on every run.
-#}

with

dividends as (

    select * from {{ ref('stg_fmp__dividends') }}

),

latest as (

    select distinct on (symbol, ex_date, dividend) *
    from dividends
    order by symbol, ex_date, dividend, _loaded_at desc, _seq desc

),

final as (

    select
        cast(symbol as text) as symbol,
        cast(ex_date as date) as ex_date,
        cast(dividend as numeric) as dividend,
        cast(adj_dividend as numeric) as adj_dividend,
        cast(record_date as date) as record_date,
        cast(payment_date as date) as payment_date,
        cast(declaration_date as date) as declaration_date,
        cast(frequency as text) as frequency,
        cast(dividend_yield as numeric) as dividend_yield,
        cast(_loaded_at as timestamptz) as _loaded_at
    from latest

)

select * from final
