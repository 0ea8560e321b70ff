-- The universe's history: delisted companies and ticker changes, landed like every raw table.
create table raw.fmp_delisted (like raw.fmp_symbols including all excluding indexes);
create table raw.fmp_symbol_changes (like raw.fmp_symbols including all excluding indexes);

create index fmp_delisted_loaded_at on raw.fmp_delisted using brin (_loaded_at);
create index fmp_symbol_changes_loaded_at on raw.fmp_symbol_changes using brin (_loaded_at);

-- Version lookups over each record key, with the expressions of dbt_project/macros/raw_versions.sql.
create index fmp_delisted_version
    on raw.fmp_delisted (
        coalesce(symbol, payload ->> 'symbol'), raw.fmp_date(payload ->> 'delistedDate'), _loaded_at, _seq
    );
create index fmp_symbol_changes_version
    on raw.fmp_symbol_changes (
        (payload ->> 'oldSymbol'), (payload ->> 'newSymbol'), raw.fmp_date(payload ->> 'date'), _loaded_at, _seq
    );

