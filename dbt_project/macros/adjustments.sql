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
