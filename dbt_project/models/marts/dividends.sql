{#-
    One row per symbol, ex-date and amount: FMP lists a regular and a special payment on one ex-date as two
    records, and both are kept. The amounts of an ex-date are those of the newest landing that listed it (every
    record of a landing shares its `_loaded_at`): a correction (the same ex-date listed again with another
    amount) replaces the earlier amount instead of adding to it. The same amount written twice for an ex-date
    (0.5 and 0.50) is one payment: the latest landed record wins.

    adj_dividend is ours: the amount divided by the ratios of the splits after the ex-date that are in effect
    (a session on or after them is held), as marts.adjustment_factors applies them to prices; FMP's own
    re-scaled value is kept as fmp_adj_dividend, for the checks. A small table, rebuilt whole on every run.
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

-- the amounts of the newest landing of each ex-date
current_amounts as (

    select *
    from (
        select latest.*, max(_loaded_at) over (partition by symbol, ex_date) as ex_date_loaded_at
        from latest
    ) as dated
    where _loaded_at = ex_date_loaded_at

),

-- the splits in effect: a session on or after them is held (one index probe each)
splits_in_effect as (

    select splits.symbol, splits.split_date, splits.split_ratio
    from {{ ref('splits') }} as splits
    where splits.split_ratio > 0
        and exists (
            select 1 from {{ ref('stg_fmp__prices') }} as stg
            where stg.symbol = splits.symbol and stg.price_date >= splits.split_date
        )

),

final as (

    select
        cast(current_amounts.symbol as text) as symbol,
        cast(current_amounts.ex_date as date) as ex_date,
        cast(current_amounts.dividend as numeric) as dividend,
        cast(
            trim_scale(round(current_amounts.dividend / coalesce(later_splits.ratio, 1), 10)) as numeric
        ) as adj_dividend,
        cast(current_amounts.adj_dividend as numeric) as fmp_adj_dividend,
        cast(current_amounts.record_date as date) as record_date,
        cast(current_amounts.payment_date as date) as payment_date,
        cast(current_amounts.declaration_date as date) as declaration_date,
        cast(current_amounts.frequency as text) as frequency,
        cast(current_amounts.dividend_yield as numeric) as dividend_yield,
        cast(current_amounts.first_loaded_at as timestamptz) as first_loaded_at,
        cast(current_amounts._loaded_at as timestamptz) as _loaded_at
    from current_amounts
    -- the product of the ratios of the splits after the ex-date, per dividend: a lateral aggregate rather than
    -- a grouped join, which the planner (a few rows expected) may re-aggregate once for every dividend
    left join lateral (
        select exp(sum(ln(splits_in_effect.split_ratio))) as ratio
        from splits_in_effect
        where splits_in_effect.symbol = current_amounts.symbol
            and splits_in_effect.split_date > current_amounts.ex_date
    ) as later_splits on true

)

select * from final
