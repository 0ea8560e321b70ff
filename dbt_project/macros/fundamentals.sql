{#- The columns marts.fundamentals and fundamentals_as_of(t) select: the period from the income statement, then
    the headline figures of the three statements. -#}
{% macro fundamentals_figures(income, balance, cash) -%}
        {{ income }}.security_id,
        {{ income }}.fiscal_year,
        {{ income }}.period,
        {{ income }}.period_end_date,
        {{ income }}.filing_date,
        {{ income }}.accepted_date,
        {{ income }}.reported_currency,
        {{ income }}.reported_in_foreign_currency,
        {{ income }}.revenue,
        {{ income }}.gross_profit,
        {{ income }}.operating_income,
        {{ income }}.net_income,
        {{ income }}.eps,
        {{ income }}.eps_diluted,
        {{ income }}.weighted_average_shs_out_dil,
        {{ balance }}.cash_and_cash_equivalents,
        {{ balance }}.total_assets,
        {{ balance }}.total_liabilities,
        {{ balance }}.total_stockholders_equity,
        {{ balance }}.total_debt,
        {{ cash }}.operating_cash_flow,
        {{ cash }}.capital_expenditure,
        {{ cash }}.free_cash_flow
{%- endmacro %}

{#-
    A post-hook of marts.fundamentals: `marts.fundamentals_as_of(as_of timestamptz)`, per company the latest
    fiscal year and quarter accepted by `as_of` (FMP's clock) with each statement as the warehouse knew it then
    (our clock), from the statements' own as-of reads (macros/statements.sql). Its columns are the mart's.
-#}
{% macro fundamentals_as_of_function() -%}
    {%- set function = this.schema ~ '.fundamentals_as_of' -%}
    {%- set columns = model.columns.values() | rejectattr('name', 'in', ['_loaded_at']) | list -%}
    create or replace function {{ function }}(as_of timestamptz)
    {{ returns_table(columns) }}
    language sql
    stable
    as $fn$
        select
            {{ fundamentals_figures('income', 'balance', 'cash') }}
        from {{ this.schema }}.income_statement_as_of(as_of) as income
        left join {{ this.schema }}.balance_sheet_as_of(as_of) as balance using (security_id, fiscal_year, period)
        left join {{ this.schema }}.cash_flow_as_of(as_of) as cash using (security_id, fiscal_year, period)
    $fn$;
    comment on function {{ function }}(timestamptz) is
        'Per company, the latest fiscal year and quarter accepted by as_of, each statement as the warehouse knew it then.'
{%- endmacro %}
