{#-
    How our materializations `contracted_table` and `contracted_incremental` (macros/contracted_materializations.sql)
    create a table with an enforced contract. dbt's own `table` and `incremental` on Postgres create it empty with
    its columns and constraints, then fill it with `insert ... select`; PostgreSQL plans an INSERT's select on one
    core and maintains the primary key row by row. Here the table is made by `create table as`, whose select can
    run in parallel, and constrained after it: the not-null columns are checked in one pass and the primary key is
    built in one sort. On 782,400 rows of daily_prices that took about 5 s against 8 s (BENCHMARKS.md). The result
    is the same table: the contract is asserted first (column names and types against the YAML, with dbt's own
    macro), the columns come in the YAML's order and the constraints are the YAML's.

    dbt records the row count of the statement's last command as the rows the model wrote (the insert's, in
    dbt-postgres), so the statement ends by moving a cursor over as many rows as the table holds. The cursor
    reads no table (an open one over the new table would stop dbt creating its indexes) and closes at commit.
-#}
{% macro contracted_create_table_as(relation, sql) -%}
    {%- set sql_header = config.get('sql_header', none) -%}
    {%- set enforced = config.get('contract').enforced -%}
    {{ sql_header if sql_header is not none }}
    {%- if enforced %}
    {{ get_assert_columns_equivalent(sql) }}
    {%- endif %}
    create {% if config.get('unlogged', default=false) -%} unlogged {%- endif %} table {{ relation }} as (
        {{ get_select_subquery(sql) if enforced else sql }}
    );
    {%- if enforced %}
    {%- set actions = contract_constraint_actions() %}
    {%- if actions %}
    alter table {{ relation }}
        {{ actions | join(',\n        ') }};
    {%- endif %}
    {%- set written = relation.identifier ~ '__written' %}
    select set_config('fmp_elt.rows_written', count(*)::text, true) from {{ relation }};
    declare {{ written }} cursor for select from generate_series(1, current_setting('fmp_elt.rows_written')::bigint);
    move forward all in {{ written }};
    {%- endif %}
{%- endmacro %}

{#- The `alter table` actions that give a table its contract's constraints, column-level and model-level. -#}
{% macro contract_constraint_actions() -%}
    {%- set actions = [] -%}
    {%- for name, column in model['columns'].items() -%}
        {%- set quoted = adapter.quote(name) if column.get('quote') else name -%}
        {%- for constraint in column.get('constraints', []) -%}
            {%- if constraint['type'] == 'not_null' -%}
                {%- do actions.append('alter column ' ~ quoted ~ ' set not null') -%}
            {%- else -%}
                {%- do actions.append(contract_key_action(constraint, [quoted])) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- for constraint in model.get('constraints', []) -%}
        {%- do actions.append(contract_key_action(constraint, constraint.get('columns', []))) -%}
    {%- endfor -%}
    {{ return(actions) }}
{%- endmacro %}

{% macro contract_key_action(constraint, columns) -%}
    {%- set named = 'constraint ' ~ constraint['name'] ~ ' ' if constraint.get('name') else '' -%}
    {%- if constraint['type'] == 'primary_key' -%}
        {{ return('add ' ~ named ~ 'primary key (' ~ columns | join(', ') ~ ')') }}
    {%- elif constraint['type'] == 'unique' -%}
        {{ return('add ' ~ named ~ 'unique (' ~ columns | join(', ') ~ ')') }}
    {%- elif constraint['type'] == 'check' -%}
        {{ return('add ' ~ named ~ 'check (' ~ constraint['expression'] ~ ')') }}
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "contract constraint '" ~ constraint['type'] ~ "' on " ~ model['name']
            ~ " is not supported here: use not_null, primary_key, unique or check"
        ) }}
    {%- endif -%}
{%- endmacro %}
