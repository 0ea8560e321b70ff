{#-
    Two materializations of our own, used by the marts instead of dbt's `table` and `incremental`: they build a
    table the way macros/contract_tables.sql describes (create table as, then the contract's constraints), and
    otherwise do what dbt's do, through dbt's documented macros for materializations. They are ours by name, so
    a dbt upgrade cannot swap them out; tests/integration/test_dbt_build.py checks their tables, keys and row counts.

    A rebuild (the first build, a full refresh, or a `contracted_table` on every run) creates the new table under
    an intermediate name, builds its indexes, and swaps it in; the old one is dropped after the commit.
-#}
{% macro contracted_rebuild(existing, target) -%}
    {%- set intermediate = make_intermediate_relation(target) -%}
    {%- set backup = make_backup_relation(target, 'table' if existing is none else existing.type) -%}
    {{ drop_relation_if_exists(load_cached_relation(intermediate)) }}
    {{ drop_relation_if_exists(load_cached_relation(backup)) }}
    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}
    {%- call statement('main') -%}
        {{ contracted_create_table_as(intermediate, sql) }}
    {%- endcall -%}
    {%- do create_indexes(intermediate) -%}
    {%- if existing is not none -%}
        {%- do adapter.rename_relation(existing, backup) -%}
    {%- endif -%}
    {%- do adapter.rename_relation(intermediate, target) -%}
    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {%- do apply_grants(target, config.get('grants'), should_revoke=should_revoke(existing, full_refresh_mode=True)) -%}
    {%- do persist_docs(target, model) -%}
    {%- do adapter.commit() -%}
    {{ drop_relation_if_exists(backup) }}
    {{ run_hooks(post_hooks, inside_transaction=False) }}
{%- endmacro %}

{% materialization contracted_table, adapter='postgres' -%}
    {%- set target = this.incorporate(type='table') -%}
    {%- do contracted_rebuild(load_cached_relation(this), target) -%}
    {{ return({'relations': [target]}) }}
{%- endmaterialization %}

{#-
    Incremental runs go through dbt's incremental strategies (the model's `incremental_strategy`, `unique_key`,
    `on_schema_change`): the new rows are selected into a temporary table and merged by the strategy's SQL.
    Models ask `incremental_run()`, not dbt's `incremental_run()`, which is true only for dbt's own materialization.
-#}
{% materialization contracted_incremental, adapter='postgres' -%}
    {%- set existing = load_cached_relation(this) -%}
    {%- set target = this.incorporate(type='table') -%}
    {%- if existing is none or existing.type != 'table' or should_full_refresh() -%}
        {%- do contracted_rebuild(existing, target) -%}
    {%- else -%}
        {%- set temp = make_temp_relation(target) -%}
        {%- set on_schema_change = incremental_validate_on_schema_change(config.get('on_schema_change'), default='ignore') -%}
        {{ run_hooks(pre_hooks, inside_transaction=False) }}
        {{ run_hooks(pre_hooks, inside_transaction=True) }}
        {%- do run_query(get_create_table_as_sql(True, temp, sql)) -%}
        {%- set dest_columns = process_schema_changes(on_schema_change, temp, existing)
            or adapter.get_columns_in_relation(existing) -%}
        {%- set strategy = adapter.get_incremental_strategy_macro(context, config.get('incremental_strategy') or 'default') -%}
        {%- set merge_sql = strategy({
            'target_relation': target,
            'temp_relation': temp,
            'unique_key': config.get('unique_key'),
            'dest_columns': dest_columns,
            'incremental_predicates': config.get('incremental_predicates', none),
        }) -%}
        {%- call statement('main') -%}
            {{ merge_sql }}
        {%- endcall -%}
        {%- do apply_grants(target, config.get('grants'), should_revoke=should_revoke(existing, full_refresh_mode=False)) -%}
        {%- do persist_docs(target, model) -%}
        {{ run_hooks(post_hooks, inside_transaction=True) }}
        {%- do adapter.commit() -%}
        {{ run_hooks(post_hooks, inside_transaction=False) }}
    {%- endif -%}
    {{ return({'relations': [target]}) }}
{%- endmaterialization %}

{#-
    True on an incremental run of a `contracted_incremental` model: its table exists and no full refresh was
    asked for. Unit tests set it with `overrides: macros: incremental_run: true|false`.
-#}
{% macro incremental_run() -%}
    {%- if not execute -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set existing = load_cached_relation(this) -%}
    {{ return(existing is not none and existing.type == 'table' and not should_full_refresh()) }}
{%- endmacro %}
