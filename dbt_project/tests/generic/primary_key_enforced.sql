{#-
    Warns when the table in the warehouse lacks the primary key its contract declares. dbt writes a contract's
    constraints only when it creates a table: an incremental run keeps the table it finds, so a mart created
    before its key was declared (or by hand) keeps running without one. `fmp-elt transform --full-refresh`
    recreates it with the key.
-#}
{% test primary_key_enforced(model) %}

{{ config(severity='warn') }}

{%- set contract_key = [] -%}
{%- if execute -%}
    {%- for node in graph.nodes.values()
        if node.resource_type == 'model' and node.schema == model.schema and node.alias == model.identifier -%}
        {%- for constraint in node.constraints if constraint.type == 'primary_key' -%}
            {%- do contract_key.extend(constraint.columns) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- if not contract_key -%}
        {{ exceptions.raise_compiler_error("primary_key_enforced: the contract of " ~ model ~ " declares no primary key") }}
    {%- endif -%}
{%- endif %}

with

enforced as (

    select coalesce(array_agg(cast(attribute.attname as text)), '{}') as key_columns
    from pg_catalog.pg_constraint as pk
    inner join pg_catalog.pg_class as relation on relation.oid = pk.conrelid
    inner join pg_catalog.pg_namespace as namespace on namespace.oid = relation.relnamespace
    inner join pg_catalog.pg_attribute as attribute
        on attribute.attrelid = pk.conrelid
        and attribute.attnum = any(pk.conkey)
    where pk.contype = 'p'
        and namespace.nspname = '{{ model.schema }}'
        and relation.relname = '{{ model.identifier }}'

),

declared as (

    select array[{% for column in contract_key %}'{{ column }}'{{ ', ' if not loop.last }}{% endfor %}]::text[] as key_columns

)

-- the same columns in any order; an empty array when the table has no primary key
select
    array_to_string(declared.key_columns, ', ') as declared_key,
    array_to_string(enforced.key_columns, ', ') as enforced_key
from declared
cross join enforced
where not (enforced.key_columns @> declared.key_columns and enforced.key_columns <@ declared.key_columns)

{% endtest %}
