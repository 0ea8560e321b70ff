{#- The current version of every day (valid_to NULL) is the row daily_prices holds, and nothing else. -#}
{%- set columns = ['symbol', 'price_date', 'open', 'high', 'low', 'close', 'adj_close', 'volume'] -%}

(
    select {{ columns | join(', ') }} from {{ ref('daily_prices') }}
    except all
    select {{ columns | join(', ') }} from {{ ref('daily_prices_history') }} where valid_to is null
)
union all
(
    select {{ columns | join(', ') }} from {{ ref('daily_prices_history') }} where valid_to is null
    except all
    select {{ columns | join(', ') }} from {{ ref('daily_prices') }}
)
