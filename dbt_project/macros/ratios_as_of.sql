{#-
    A post-hook of marts.ratios_history: `marts.ratios_as_of(as_of timestamptz, clock marts.filing_clock default
    'filed')`, the ratios as they could be known at `as_of`:
    - 'filed' (the default, both clocks, as the statements' as-of reads): per company, the latest fiscal year and
      the latest quarter whose income statement EDGAR accepted on or before `as_of` (marts.income_statement_history,
      matched by company, fiscal year and period), in the version held at `as_of`, or for a period first landed
      after `as_of` (a backfill) the version first seen. A period with no statement landed has no acceptance to
      trust and is left out;
    - 'warehouse' (our clock alone): every version valid at `as_of`, the ratios exactly as the warehouse held
      them then, which is nothing before the first run.
    The clock is an enum, as daily_prices_as_of's: a misspelt one is an error, not an empty result.
-#}
{% macro ratios_as_of_function() -%}
    {%- set function = this.schema ~ '.ratios_as_of' -%}
    {%- set clock = this.schema ~ '.filing_clock' -%}
    {%- set columns = model.columns.values() | rejectattr('name', 'in', ['valid_to', '_loaded_at']) | list -%}
    {%- set listed -%}
        {% for column in columns %}history.{{ column.name }}{{ ', ' if not loop.last }}{% endfor %}
    {%- endset -%}
    do $do$ begin
        create type {{ clock }} as enum ('filed', 'warehouse');
    exception when duplicate_object then null;
    end $do$;
    -- the earlier signatures: one with a text clock would make a call with a quoted clock ambiguous
    drop function if exists {{ function }}(timestamptz);
    drop function if exists {{ function }}(timestamptz, text);
    drop function if exists {{ function }}(timestamptz, {{ clock }});
    create function {{ function }}(as_of timestamptz, clock {{ clock }} default 'filed')
    {{ returns_table(columns) }}
    language sql
    stable
    as $fn$
        select {% for column in columns %}{{ column.name }}{{ ', ' if not loop.last }}{% endfor %}
        from (
            select distinct on (history.security_id, history.period = 'FY') {{ listed }}
            from {{ this }} as history
            join {{ ref('income_statement_history') }} as filed
                on filed.security_id = history.security_id
                and filed.fiscal_year = history.fiscal_year
                and filed.period = history.period
                and filed.valid_to is null
            where clock = 'filed'
                and filed.accepted_date <= as_of
                and (
                    (history.valid_from <= as_of and (history.valid_to is null or history.valid_to > as_of))
                    or (history.version = 1 and history.valid_from > as_of)
                )
            order by history.security_id, history.period = 'FY', history.period_end_date desc,
                history.fiscal_year desc
        ) as known
        union all
        select {{ listed }}
        from {{ this }} as history
        where clock = 'warehouse'
            and history.valid_from <= as_of
            and (history.valid_to is null or history.valid_to > as_of)
    $fn$;
    comment on function {{ function }}(timestamptz, {{ clock }}) is
        'The ratios as of as_of: per company the latest year and quarter whose income statement was accepted by then, as the warehouse knew them (the default, ''filed''), or with ''warehouse'' every version held then.'
{%- endmacro %}
