{#-
    Raw tables are append-only: every fetch lands a new version of each record. These macros name a record's
    key and tell its latest landed version (latest `_loaded_at`, then latest `_seq` within one load) from the
    earlier ones: the current marts read the latest, the history marts every version.

    The key expressions match the raw version indexes (migrations 0004 to 0010) exactly, so the check below is an
    index probe per row, a filter on symbol and date put on a staging view is an index lookup, and a filter on
    `_loaded_at` reaches the raw table's BRIN index.
-#}

{% macro raw_symbol(alias) -%}
    coalesce({{ alias }}.symbol, {{ alias }}.payload ->> 'symbol')
{%- endmacro %}

{#-
    The record's date, typed when it landed: the raw tables' generated column `payload_date` (migration 0010) is
    raw.fmp_date(payload ->> 'date'), NULL for anything but an ISO date.
-#}
{% macro raw_date(alias) -%}
    {{ alias }}.payload_date
{%- endmacro %}

{% macro raw_period(alias) -%}
    ({{ alias }}.payload ->> 'period')
{%- endmacro %}

{% macro raw_endpoint(alias) -%}
    {{ alias }}._endpoint
{%- endmacro %}

{#-
    True when no later version of the same key exists. `key_macros` names the key parts besides the symbol,
    which is always part of the key: any of the macros `raw_key` knows.
-#}
{% macro is_latest_version(relation, alias, key_macros=[]) -%}
    not exists (
        select 1
        from {{ relation }} as newer
        where {{ raw_symbol('newer') }} = {{ raw_symbol(alias) }}
            {%- for key_macro in key_macros %}
            and {{ raw_key(key_macro, 'newer') }} = {{ raw_key(key_macro, alias) }}
            {%- endfor %}
            and (newer._loaded_at, newer._seq) > ({{ alias }}._loaded_at, {{ alias }}._seq)
    )
{%- endmacro %}

{#- One key part of a raw row, by the name of its macro: called by name, not looked up in dbt's context. -#}
{% macro raw_key(name, alias) -%}
    {%- if name == 'raw_date' -%} {{ raw_date(alias) }}
    {%- elif name == 'raw_period' -%} {{ raw_period(alias) }}
    {%- elif name == 'raw_endpoint' -%} {{ raw_endpoint(alias) }}
    {%- elif name == 'raw_delisted_date' -%} {{ raw_delisted_date(alias) }}
    {%- elif name == 'raw_dividend' -%} {{ raw_dividend(alias) }}
    {%- else -%}
        {{ exceptions.raise_compiler_error("is_latest_version: '" ~ name ~ "' is not a key part raw_key knows") }}
    {%- endif -%}
{%- endmacro %}

{#- The delisting date: part of a delisted company's key (a ticker can be delisted, reused and delisted again). -#}
{% macro raw_delisted_date(alias) -%}
    raw.fmp_date({{ alias }}.payload ->> 'delistedDate')
{%- endmacro %}

{#- A dividend's amount as FMP wrote it: a regular and a special payment on one ex-date differ by it. -#}
{% macro raw_dividend(alias) -%}
    ({{ alias }}.payload ->> 'dividend')
{%- endmacro %}

{#-
    The latest version of each (symbol, price_date) of a staging view over a raw table, for an incremental mart.

    Incremental runs read the versions landed since the model's high-water mark and keep those `is_latest` says
    are latest: one index probe for each of a few rows. A full build reads every version instead, and there a
    probe per row (millions of random index reads) costs several times one sort of the whole view; the sort
    keeps the same row per key (latest `_loaded_at`, then `_seq`) and hands the rows over in key order, which
    the join after it and the primary key's index then take without sorting again. The staging view's
    `is_latest` is not read on that path, so PostgreSQL does not evaluate it.
-#}
{% macro latest_versions(relation) -%}
    {%- if incremental_run() -%}
    select * from {{ relation }}
    where is_latest
        and _loaded_at > {{ high_water_mark() }}
    {%- else -%}
    select distinct on (symbol, price_date) * from {{ relation }}
    order by symbol, price_date, _loaded_at desc, _seq desc
    {%- endif -%}
{%- endmacro %}
