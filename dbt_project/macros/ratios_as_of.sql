{#-
    A post-hook of marts.ratios_history: `marts.ratios_as_of(as_of timestamptz, clock text default 'warehouse')`.

    'warehouse' (our clock): every version valid at `as_of`, the ratios exactly as the warehouse held them then.
    'filed' (both clocks): per symbol, the latest fiscal year and the latest quarter whose income statement EDGAR
    accepted on or before `as_of` (marts.income_statement_history, matched by company, fiscal year and period),
    in the version held at `as_of`, or for a period first landed after `as_of` (a backfill) the version first
    seen. A period with no statement landed has no acceptance to trust and is left out of 'filed'.
-#}
{% macro ratios_as_of_function() -%}
    {%- set function = this.schema ~ '.ratios_as_of' -%}
    {%- set columns = model.columns.values() | rejectattr('name', 'in', ['valid_to', '_loaded_at']) | list -%}
    {%- set listed -%}
        {% for column in columns %}history.{{ column.name }}{{ ', ' if not loop.last }}{% endfor %}
    {%- endset -%}
    drop function if exists {{ function }}(timestamptz);
    create or replace function {{ function }}(as_of timestamptz, clock text default 'warehouse')
    returns table (
        {%- for column in columns %}
        {{ column.name }} {{ column.data_type }}{{ ',' if not loop.last }}
        {%- endfor %}
    )
    language sql
    stable
    as $fn$
        select {{ listed }}
        from {{ this }} as history
        where clock = 'warehouse'
            and history.valid_from <= as_of
            and (history.valid_to is null or history.valid_to > as_of)
        union all
        select {% for column in columns %}{{ column.name }}{{ ', ' if not loop.last }}{% endfor %}
        from (
            select distinct on (history.symbol, history.period = 'FY') {{ listed }}
            from {{ this }} as history
            left join {{ ref('symbol_securities') }} as periods
                on periods.symbol = history.symbol
                and cast(history.valid_from as date) >= periods.valid_from
                and cast(history.valid_from as date) < periods.valid_to
            join {{ ref('income_statement_history') }} as filed
                on filed.security_id = coalesce(periods.security_id, history.symbol)
                and filed.fiscal_year = history.fiscal_year
                and filed.period = history.period
                and filed.valid_to is null
            where clock = 'filed'
                and filed.accepted_date <= as_of
                and (
                    (history.valid_from <= as_of and (history.valid_to is null or history.valid_to > as_of))
                    or (
                        history.valid_from > as_of
                        and not exists (
                            select 1 from {{ this }} as earlier
                            where earlier.symbol = history.symbol
                                and earlier.fiscal_year = history.fiscal_year
                                and earlier.period = history.period
                                and earlier.valid_from < history.valid_from
                        )
                    )
                )
            order by history.symbol, history.period = 'FY', history.period_end_date desc, history.fiscal_year desc
        ) as known
    $fn$;
    comment on function {{ function }}(timestamptz, text) is
        'The ratios as of as_of: on the warehouse''s clock (every version held then) or, with clock => ''filed'', per symbol the latest year and quarter accepted by then.'
{%- endmacro %}
