{#- The current version of every period (valid_to NULL) is the row the ratios mart holds, and nothing else. -#}
{%- set columns = ['symbol', 'period_end_date', 'period', 'fiscal_year', 'reported_currency']
    + ratio_fields() | map('last') | list -%}

(
    select {{ columns | join(', ') }} from {{ ref('ratios') }}
    except all
    select {{ columns | join(', ') }} from {{ ref('ratios_history') }} where valid_to is null
)
union all
(
    select {{ columns | join(', ') }} from {{ ref('ratios_history') }} where valid_to is null
    except all
    select {{ columns | join(', ') }} from {{ ref('ratios') }}
)
