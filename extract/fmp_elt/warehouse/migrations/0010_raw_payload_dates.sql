-- Each dated raw record's `date`, typed once when it lands.
--
-- The staging views used to parse `payload ->> 'date'` through raw.fmp_date on every read: about 1.5 µs a
-- call, twice per row (the view's filter and its column), which made most of a full build of daily_prices.
-- A stored generated column computes it once per row, at landing, and the version indexes key on the column
-- (dbt_project/macros/raw_versions.sql reads it as `raw_date`). Adding it rewrites each table once: minutes for
-- tens of millions of rows. Each old version index is dropped first so the rewrite does not rebuild it.

drop index raw.fmp_prices_version;
alter table raw.fmp_prices add column payload_date date generated always as (raw.fmp_date(payload ->> 'date')) stored;
create index fmp_prices_version
    on raw.fmp_prices (coalesce(symbol, payload ->> 'symbol'), payload_date, _loaded_at, _seq);

drop index raw.fmp_prices_adjusted_version;
alter table raw.fmp_prices_adjusted
    add column payload_date date generated always as (raw.fmp_date(payload ->> 'date')) stored;
create index fmp_prices_adjusted_version
    on raw.fmp_prices_adjusted (coalesce(symbol, payload ->> 'symbol'), payload_date, _loaded_at, _seq);

drop index raw.fmp_prices_unadjusted_version;
alter table raw.fmp_prices_unadjusted
    add column payload_date date generated always as (raw.fmp_date(payload ->> 'date')) stored;
create index fmp_prices_unadjusted_version
    on raw.fmp_prices_unadjusted (coalesce(symbol, payload ->> 'symbol'), payload_date, _loaded_at, _seq);

drop index raw.fmp_ratios_version;
alter table raw.fmp_ratios add column payload_date date generated always as (raw.fmp_date(payload ->> 'date')) stored;
create index fmp_ratios_version
    on raw.fmp_ratios (coalesce(symbol, payload ->> 'symbol'), payload_date, (payload ->> 'period'), _loaded_at, _seq);

drop index raw.fmp_splits_version;
alter table raw.fmp_splits add column payload_date date generated always as (raw.fmp_date(payload ->> 'date')) stored;
create index fmp_splits_version
    on raw.fmp_splits (coalesce(symbol, payload ->> 'symbol'), payload_date, _loaded_at, _seq);

drop index raw.fmp_dividends_version;
alter table raw.fmp_dividends
    add column payload_date date generated always as (raw.fmp_date(payload ->> 'date')) stored;
create index fmp_dividends_version
    on raw.fmp_dividends (
        coalesce(symbol, payload ->> 'symbol'), payload_date, (payload ->> 'dividend'), _loaded_at, _seq
    );

drop index raw.fmp_symbol_changes_version;
alter table raw.fmp_symbol_changes
    add column payload_date date generated always as (raw.fmp_date(payload ->> 'date')) stored;
create index fmp_symbol_changes_version
    on raw.fmp_symbol_changes ((payload ->> 'oldSymbol'), (payload ->> 'newSymbol'), payload_date, _loaded_at, _seq);
