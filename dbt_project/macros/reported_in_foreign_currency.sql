{#- Whether a fundamentals row's figures are in another currency than the one its shares trade in. The universe is
    US listings quoted in dollars, so that is any reported currency but USD: such figures do not mix with prices
    (a P/E of a euro EPS and a dollar price) without a conversion. -#}
{% macro reported_in_foreign_currency() -%}
        cast(reported_currency is distinct from 'USD' as boolean) as reported_in_foreign_currency
{%- endmacro %}
