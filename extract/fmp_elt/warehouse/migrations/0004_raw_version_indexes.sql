-- Lookups the dbt staging views make on the append-only raw tables.
--
-- Each staging view keeps the latest landed version of a record's key with a NOT EXISTS probe for a newer
-- version, and the daily_prices mart looks a few days up by symbol and date; these indexes make each of those
-- one index probe. Their expressions must stay identical to the key macros in
-- dbt_project/macros/raw_versions.sql (raw_symbol, raw_date, raw_period), or the planner cannot use them.

-- An ISO calendar date ('YYYY-MM-DD'; anything after the tenth character is ignored), or NULL: never an error.
-- Built from immutable parts only (a text::date cast is not: it accepts 'today'), so PostgreSQL can index it
-- and inlines it into the queries that call it.
create function raw.fmp_date(value text) returns date
    language sql
    immutable
    parallel safe
    return case
        when left(value, 10) ~ '^[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$' then
            case
                when substr(value, 9, 2)::integer <= extract(
                    day from make_date(substr(value, 1, 4)::integer, substr(value, 6, 2)::integer, 1)
                    + interval '1 month - 1 day'
                )
                then make_date(
                    substr(value, 1, 4)::integer, substr(value, 6, 2)::integer, substr(value, 9, 2)::integer
                )
            end
    end;

create index fmp_prices_version
    on raw.fmp_prices (coalesce(symbol, payload ->> 'symbol'), raw.fmp_date(payload ->> 'date'), _loaded_at, _seq);
create index fmp_prices_adjusted_version
    on raw.fmp_prices_adjusted (
        coalesce(symbol, payload ->> 'symbol'), raw.fmp_date(payload ->> 'date'), _loaded_at, _seq
    );
create index fmp_ratios_version
    on raw.fmp_ratios (
        coalesce(symbol, payload ->> 'symbol'), raw.fmp_date(payload ->> 'date'), (payload ->> 'period'),
        _loaded_at, _seq
    );
create index fmp_symbols_version
    on raw.fmp_symbols (coalesce(symbol, payload ->> 'symbol'), _endpoint, _loaded_at, _seq);
