{#-
    Point-in-time history: every distinct version of a key the warehouse has held, with its validity.

    A key's state changes only when a record of it lands, so its states are read at its landing times (one per
    distinct `_loaded_at`). Consecutive equal states are one version; a state that returns to an earlier value
    after a change is a new version (A, B, A gives three). An incremental run recomputes only the keys with a
    landing since the newest `_loaded_at` it holds, from all of their landings, so it equals a full rebuild.
-#}

{#-
    The keys of `relations` with a record landed after `since`: the only keys whose versions can change.
    On a full build (`since` none) there is nothing to select: every key is read.
-#}
{% macro keys_landed_since(relations, key_columns, since) -%}
    {%- for relation in relations %}
    select {{ key_columns | join(', ') }}
    from {{ relation }}
    where _loaded_at > {{ since }}
    {%- if not loop.last %}
    union
    {%- endif %}
    {%- endfor %}
{%- endmacro %}

{#-
    Every landed version of `relation` (a staging view keeping all versions), `columns` of it; on an incremental
    run only those of the keys in `touched`, each read by an index lookup (a lateral join kept apart by
    `offset 0`, so the planner never scans the whole view for a few keys).
-#}
{% macro landings(relation, key_columns, columns, touched=none) -%}
    {%- if touched is none %}
    select {{ columns | join(', ') }}
    from {{ relation }}
    {%- else %}
    select landed.*
    from {{ touched }}
    cross join lateral (
        select {% for column in columns %}stg.{{ column }}{{ ', ' if not loop.last }}{% endfor %}
        from {{ relation }} as stg
        where {% for key in key_columns %}stg.{{ key }} = {{ touched }}.{{ key }}{{ ' and ' if not loop.last }}{% endfor %}
        -- a fence: without it the planner flattens the lateral into a join and may hash the whole view
        offset 0
    ) as landed
    {%- endif %}
{%- endmacro %}

{#-
    The state of each key at the end of each landing time (`_loaded_at`): the last record (`_seq`) of that
    landing, so a landing that served a key twice counts once, as it stood after it.
-#}
{% macro last_state_per_landing(landed, key_columns) -%}
    select *
    from (
        select
            *,
            row_number() over (partition by {{ key_columns | join(', ') }}, _loaded_at order by _seq desc)
                as landed_after_in_load
        from {{ landed }}
    ) as ranked
    where landed_after_in_load = 1
{%- endmacro %}

{#-
    Versions from `states`: one row per key and landing time (`_loaded_at`) with the key's values as known
    then. Returns the key, the values, `valid_from` (the first landing of the version), `valid_to` (the first
    landing of the next version, NULL for the current one) and `_loaded_at` (the last landing that served it).
-#}
{% macro versions_from_states(states, key_columns, value_columns) -%}
    {%- set key = key_columns | join(', ') -%}
    select
        {{ key }},
        {%- for column in value_columns %}
        {{ column }},
        {%- endfor %}
        valid_from,
        lead(valid_from) over (partition by {{ key }} order by valid_from) as valid_to,
        _loaded_at
    from (
        select
            {{ key }},
            {%- for column in value_columns %}
            {{ column }},
            {%- endfor %}
            min(_loaded_at) as valid_from,
            max(_loaded_at) as _loaded_at
        from (
            -- a running count of the changes numbers each version (NULL equals NULL: no change)
            select
                *,
                count(*) filter (where is_change) over (
                    partition by {{ key }} order by _loaded_at rows unbounded preceding
                ) as version_number
            from (
                select
                    *,
                    lag(_loaded_at) over key_order is null
                    {%- for column in value_columns %}
                    or {{ column }} is distinct from lag({{ column }}) over key_order
                    {%- endfor %} as is_change
                from {{ states }}
                window key_order as (partition by {{ key }} order by _loaded_at)
            ) as compared
        ) as numbered
        group by {{ key }}, version_number
        {%- for column in value_columns %}, {{ column }}{% endfor %}
    ) as versions
{%- endmacro %}

{#- A set-returning function's `returns table (...)` clause: the given contract columns with their types. -#}
{% macro returns_table(columns) -%}
    returns table (
        {%- for column in columns %}
        {{ column.name }} {{ column.data_type }}{{ ',' if not loop.last }}
        {%- endfor %}
    )
{%- endmacro %}

{#-
    A post-hook: `schema.function_name(as_of timestamptz)`, the rows of this history valid at `as_of` (the
    series as the warehouse knew it then): every contract column but `valid_to` (which no one knew then) and
    `_loaded_at`, with the contract's types. SQL, STABLE and a single SELECT, so PostgreSQL inlines it: a
    filter on its result (a symbol, a date range) reaches the table's primary key. Replaced after every build
    (a full refresh creates the table beneath it again; the function does not depend on the table's type).
-#}
{% macro as_of_function(function_name) -%}
    {%- set function = this.schema ~ '.' ~ function_name -%}
    {%- set columns = model.columns.values() | rejectattr('name', 'in', ['valid_to', '_loaded_at']) | list -%}
    create or replace function {{ function }}(as_of timestamptz)
    {{ returns_table(columns) }}
    language sql
    stable
    parallel safe
    as $fn$
        select {% for column in columns %}history.{{ column.name }}{{ ', ' if not loop.last }}{% endfor %}
        from {{ this }} as history
        where history.valid_from <= as_of
            and (history.valid_to is null or history.valid_to > as_of)
    $fn$;
    comment on function {{ function }}(timestamptz) is
        'The rows of {{ this }} valid at as_of: the series exactly as the warehouse held it then.'
{%- endmacro %}

{#- The columns every history ends with, cast to the contracts' types: its validity and its load time. -#}
{% macro validity_columns_typed() -%}
        cast(valid_from as timestamptz) as valid_from,
        cast(valid_to as timestamptz) as valid_to,
        cast(_loaded_at as timestamptz) as _loaded_at
{%- endmacro %}
