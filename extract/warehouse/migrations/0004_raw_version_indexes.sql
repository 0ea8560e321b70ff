-- Lookups the dbt staging views make on the append-only raw tables.
--
-- Each staging view keeps the latest landed version of a record's key with a NOT EXISTS probe for a newer
-- version; these indexes make that probe one index lookup. Their expressions must stay identical to the key
-- macros in dbt_project/macros/raw_versions.sql (raw_symbol, raw_date, raw_period), or the planner cannot use
-- them. They also serve "first landed" and per-symbol lookups.
create index fmp_prices_version
    on raw.fmp_prices (coalesce(symbol, payload ->> 'symbol'), left(payload ->> 'date', 10), _loaded_at, _seq);
create index fmp_prices_adjusted_version
    on raw.fmp_prices_adjusted (coalesce(symbol, payload ->> 'symbol'), left(payload ->> 'date', 10), _loaded_at, _seq);
create index fmp_ratios_version
    on raw.fmp_ratios (
        coalesce(symbol, payload ->> 'symbol'), left(payload ->> 'date', 10), (payload ->> 'period'), _loaded_at, _seq
    );
create index fmp_symbols_version
    on raw.fmp_symbols (coalesce(symbol, payload ->> 'symbol'), _endpoint, _loaded_at, _seq);
