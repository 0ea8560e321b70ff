{#-
    The financial statement marts: each statement keyed by company (security_id), fiscal year and period, from
    its staging view (every landed version, `is_latest` the newest). A statement is mapped to its company by
    the ticker it was fetched under on the day it was fetched (marts.symbol_securities): FMP serves a renamed
    company's whole history under its new ticker, and a reused ticker's statements belong to the new company.
-#}

{#- The figures of a statement (a staging view or a history): its columns but the key, dates and metadata. -#}
{% macro statement_value_columns(relation) -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set skip = ['symbol', 'security_id', 'fiscal_year', 'period', 'period_end_date', 'reported_currency',
                    'reported_in_foreign_currency', 'cik', 'filing_date', 'accepted_date', 'accepted_date_text',
                    'run_id', 'version', 'valid_from', 'valid_to', '_loaded_at', 'is_latest', '_seq'] -%}
    {{ return(adapter.get_columns_in_relation(relation) | map(attribute='name') | reject('in', skip) | list) }}
{%- endmacro %}

{#-
    EDGAR's acceptance as FMP sends it (New York wall clock, 'YYYY-MM-DD HH:MM:SS') as a timestamptz; without
    one, the start of the filing date in New York. Anything else is NULL, so drift cannot fail a build.
-#}
{% macro accepted_at(text_column, filing_date_column) -%}
    coalesce(
        case
            when {{ text_column }} ~ '^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}$'
                then cast(replace({{ text_column }}, 'T', ' ') as timestamp) at time zone 'America/New_York'
        end,
        cast({{ filing_date_column }} as timestamp) at time zone 'America/New_York'
    )
{%- endmacro %}

{#-
    The company a landed record (`alias`, with `symbol` and `_loaded_at`) belongs to: the security its ticker
    meant on the day it landed, as `ticker_periods`, a left join (a ticker the master does not know is its own
    company: `security_of`).
-#}
{% macro join_security(alias) -%}
    left join {{ ref('symbol_securities') }} as ticker_periods
        on ticker_periods.symbol = {{ alias }}.symbol
        and cast({{ alias }}._loaded_at as date) >= ticker_periods.valid_from
        and cast({{ alias }}._loaded_at as date) < ticker_periods.valid_to
{%- endmacro %}

{% macro security_of(alias) -%}
    cast(coalesce(ticker_periods.security_id, {{ alias }}.symbol) as text)
{%- endmacro %}

{#- Every landed version of a statement with the company it belongs to and its typed acceptance. -#}
{% macro statement_landings(relation) -%}
    select
        {{ security_of('statements') }} as security_id,
        statements.*,
        {{ accepted_at('statements.accepted_date_text', 'statements.filing_date') }} as accepted_date
    from {{ relation }} as statements
    {{ join_security('statements') }}
{%- endmacro %}

{#- The identity columns every statement mart starts with, typed for its contract. -#}
{% macro statement_identity_typed() -%}
        cast(security_id as text) as security_id,
        cast(fiscal_year as integer) as fiscal_year,
        cast(period as text) as period,
        cast(period_end_date as date) as period_end_date,
        cast(filing_date as date) as filing_date,
        cast(accepted_date as timestamptz) as accepted_date,
        cast(reported_currency as text) as reported_currency,
        {{ reported_in_foreign_currency() }},
{%- endmacro %}

{#-
    The statement as FMP serves it now: the current version in its history (`history`, a statement history mart)
    of each (security_id, fiscal_year, period). The key is the fiscal period, not its end date, so a re-dated
    period (a 52/53-week year) replaces its row.
-#}
{% macro statement_current(history) -%}
with

final as (

    select
        {{ statement_identity_typed() }}
        {%- for column in statement_value_columns(history) %}
        {{ column }},
        {%- endfor %}
        _loaded_at
    from {{ history }}
    where valid_to is null

)

select * from final
{%- endmacro %}

{#-
    Every version of each (security_id, fiscal_year, period) the warehouse has held: a restatement or a
    re-dating (a later landing with other figures or dates) closes the version held and opens a new one, dated
    by our load time; `version` numbers them from 1, the figures as we first saw them.
-#}
{% macro statement_history(relation) -%}
{%- set key = ['security_id', 'fiscal_year', 'period'] -%}
{%- set values = ['period_end_date', 'filing_date', 'accepted_date', 'reported_currency']
    + statement_value_columns(relation) -%}
with

landed as (
    {{ statement_landings(relation) }}
),

-- the period as known at the end of each landing time: the last record of that landing
states as (
    {{ last_state_per_landing('landed', key) }}
),

versions as (
    {{ versions_from_states('states', key, values) }}
),

final as (

    select
        {{ statement_identity_typed() }}
        cast(row_number() over (partition by security_id, fiscal_year, period order by valid_from) as integer)
            as version,
        {%- for column in values[4:] %}
        cast({{ column }} as numeric) as {{ column }},
        {%- endfor %}
        {{ validity_columns_typed() }}
    from versions

)

select * from final
{%- endmacro %}

{#-
    A post-hook of a statement history: `marts.<name>_as_of(as_of timestamptz)`, the statement as it could be
    known at `as_of`, on both clocks. FMP's clock: per company, the latest fiscal year (FY) and the latest quarter
    accepted by EDGAR on or before `as_of`, never one accepted after. Our clock: the version we held at `as_of`;
    for a period we first landed after `as_of` (a backfill), the version we first saw, which is what FMP served
    then unless FMP restated it before we first read it (that restatement nothing here can see).
-#}
{% macro statement_as_of_function(function_name) -%}
    {%- set function = this.schema ~ '.' ~ function_name -%}
    {%- set columns = model.columns.values() | rejectattr('name', 'in', ['valid_from', 'valid_to', '_loaded_at'])
        | list -%}
    create or replace function {{ function }}(as_of timestamptz)
    returns table (
        {%- for column in columns %}
        {{ column.name }} {{ column.data_type }},
        {%- endfor %}
        valid_from timestamptz
    )
    language sql
    stable
    parallel safe
    as $fn$
        select distinct on (history.security_id, history.period = 'FY')
            {% for column in columns %}history.{{ column.name }}, {% endfor %}history.valid_from
        from {{ this }} as history
        where history.accepted_date <= as_of
            and (
                (history.valid_from <= as_of and (history.valid_to is null or history.valid_to > as_of))
                or (history.version = 1 and history.valid_from > as_of)
            )
        order by history.security_id, history.period = 'FY', history.period_end_date desc, history.fiscal_year desc
    $fn$;
    comment on function {{ function }}(timestamptz) is
        'Per company, the latest fiscal year and quarter accepted by as_of, as the warehouse knew them then.'
{%- endmacro %}
