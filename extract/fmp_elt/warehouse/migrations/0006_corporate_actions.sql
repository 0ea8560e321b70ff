-- Corporate actions and the as-traded prices around splits (streams/corporate_actions.py), append-only like
-- every raw table. The version indexes repeat the key macros of dbt_project/macros/raw_versions.sql
-- (raw_symbol, raw_date, raw_dividend) expression for expression.
create table raw.fmp_splits (like raw.fmp_symbols including all);
create table raw.fmp_dividends (like raw.fmp_symbols including all);
create table raw.fmp_prices_unadjusted (like raw.fmp_symbols including all);

create index fmp_splits_loaded_at on raw.fmp_splits using brin (_loaded_at);
create index fmp_dividends_loaded_at on raw.fmp_dividends using brin (_loaded_at);
create index fmp_prices_unadjusted_loaded_at on raw.fmp_prices_unadjusted using brin (_loaded_at);

create index fmp_splits_version
    on raw.fmp_splits (coalesce(symbol, payload ->> 'symbol'), raw.fmp_date(payload ->> 'date'), _loaded_at, _seq);
create index fmp_dividends_version
    on raw.fmp_dividends (
        coalesce(symbol, payload ->> 'symbol'), raw.fmp_date(payload ->> 'date'), (payload ->> 'dividend'),
        _loaded_at, _seq
    );
create index fmp_prices_unadjusted_version
    on raw.fmp_prices_unadjusted (
        coalesce(symbol, payload ->> 'symbol'), raw.fmp_date(payload ->> 'date'), _loaded_at, _seq
    );

-- Price anomalies alert once per new batch: the anomalies already announced are remembered here, and a run
-- whose marts.price_anomalies holds others sends one alert about those (orchestration/alerts/anomalies.py).
create table etl.alerted_anomalies (
    symbol text not null,
    price_date date not null,
    anomaly text not null,
    run_id uuid,
    alerted_at timestamptz not null default now(),
    primary key (symbol, price_date, anomaly)
);
alter table etl.alert_state drop constraint alert_state_kind_check;
alter table etl.alert_state add constraint alert_state_kind_check
    check (kind in ('job_failed', 'quality_failed', 'stale_data', 'price_anomalies'));
