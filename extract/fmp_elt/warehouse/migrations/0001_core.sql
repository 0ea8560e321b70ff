-- Raw landing (append-only, the replayable truth) and the run state the extractors keep.
create schema if not exists raw;
create schema if not exists etl;

-- One row per record exactly as FMP sent it; `_seq` orders versions landed in the same transaction.
create table raw.fmp_symbols (
    _seq bigint generated always as identity (cache 1000),
    symbol text,
    payload jsonb not null,
    _run_id uuid not null,
    _loaded_at timestamptz not null default now(),
    _endpoint text not null
);
create table raw.fmp_prices (like raw.fmp_symbols including all);
create table raw.fmp_prices_adjusted (like raw.fmp_symbols including all);
create table raw.fmp_ratios (like raw.fmp_symbols including all);

-- Incremental models read "what landed since the last build": BRIN fits append-only timestamps.
create index fmp_symbols_loaded_at on raw.fmp_symbols using brin (_loaded_at);
create index fmp_prices_loaded_at on raw.fmp_prices using brin (_loaded_at);
create index fmp_prices_adjusted_loaded_at on raw.fmp_prices_adjusted using brin (_loaded_at);
create index fmp_ratios_loaded_at on raw.fmp_ratios using brin (_loaded_at);

-- ETLExecution: one row per job run.
create table etl.executions (
    id uuid primary key,
    run_id uuid not null,
    job_name text not null,
    start_time timestamptz not null default now(),
    end_time timestamptz,
    status text not null check (status in ('running', 'completed', 'failed')),
    records_processed bigint not null default 0,
    records_failed bigint not null default 0,
    error_message text,
    metadata jsonb not null default '{}'
);
create index executions_job_start on etl.executions (job_name, start_time desc);

-- Structured log lines of every run.
create table etl.logs (
    id bigint generated always as identity primary key,
    timestamp timestamptz not null default clock_timestamp(),
    level text not null check (level in ('DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL')),
    job_name text,
    run_id uuid,
    message text not null,
    metadata jsonb not null default '{}'
);
create index logs_job_time on etl.logs (job_name, timestamp desc);
create index logs_time on etl.logs (timestamp desc);

-- Per-(stream, symbol) cursor, committed in the same transaction as the rows it covers.
-- `recent` keeps only the overlap window's closes (bounded), to detect re-adjusted history.
create table etl.stream_state (
    stream text not null,
    symbol text not null,
    newest_date date,
    oldest_date date,
    recent jsonb not null default '{}',
    last_run_id uuid,
    full_refetches integer not null default 0,
    updated_at timestamptz not null default now(),
    primary key (stream, symbol)
);

-- Symbols a stream could not fetch, with the reason; cleared by a later success.
create table etl.stream_failures (
    stream text not null,
    symbol text not null,
    run_id uuid not null,
    reason text not null,
    error_class text not null,
    http_status integer,
    failed_at timestamptz not null default now(),
    primary key (stream, symbol)
);
