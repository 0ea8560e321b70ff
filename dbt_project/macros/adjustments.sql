{#-
    From a landed price record to the bar as traded. `non-split-adjusted` and eod-bulk records are as traded
    already; a `full` record (what older warehouses landed) was split-adjusted as of the day it landed, so the
    splits after its session and on or before that day are multiplied back in. `alias` is a row of
    stg_fmp__prices.
-#}
{% macro to_traded_ratio(alias) -%}
    case
        when {{ alias }}.source_endpoint = 'historical-price-eod/full' then coalesce((
            select exp(sum(ln(splits.split_ratio)))
            from {{ ref('splits') }} as splits
            where splits.symbol = {{ alias }}.symbol
                and splits.split_ratio > 0
                and splits.split_date > {{ alias }}.price_date
                and splits.split_date <= cast({{ alias }}._loaded_at at time zone 'UTC' as date)
        ), 1)
        else 1
    end
{%- endmacro %}

{#-
    The adjustment_factors row (alias `factors`) whose range covers `day`: from `applies_from` (inclusive, NULL: the
    first held day) to `applies_to` (exclusive, NULL: the newest held day). One rule for every reader of the factors.
-#}
{% macro factors_cover(factors, day) -%}
    ({{ factors }}.applies_from is null or {{ day }} >= {{ factors }}.applies_from)
    and ({{ factors }}.applies_to is null or {{ day }} < {{ factors }}.applies_to)
{%- endmacro %}

{#-
    A traded price adjusted by the multipliers of the events after its day: split-adjusted with `split` alone,
    split- and dividend-adjusted with `dividend` too. Volumes move the other way (adjusted_volume). One expression
    for every model that adjusts a bar, so that daily_prices and its history agree to the last digit.
-#}
{% macro adjusted_price(price, split, dividend=none) -%}
    trim_scale({{ price }} * {{ split }}{% if dividend is not none %} * {{ dividend }}{% endif %})
{%- endmacro %}

{% macro adjusted_volume(volume, split) -%}
    round({{ volume }} / {{ split }})
{%- endmacro %}

{#-
    The product of `factor` over `window` (a window of the events from the latest back), as an exact numeric sum
    of logarithms rounded to 16 decimals: the cumulative multipliers of adjustment_factors and, from the events
    known at each time, of daily_prices_history.
-#}
{% macro factors_product(factor, window) -%}
    trim_scale(round(exp(sum(ln({{ factor }})) over {{ window }}), 16))
{%- endmacro %}
