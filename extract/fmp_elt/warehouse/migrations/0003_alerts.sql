-- Alert throttling: one row per cause (e.g. `job:prices`, `quality:daily_prices`, `stale:daily_prices`).
-- An open cause is announced once (and reminded at most once per reminder interval); its recovery once.
create table etl.alert_state (
    cause text primary key,
    kind text not null check (kind in ('job_failed', 'quality_failed', 'stale_data')),
    status text not null check (status in ('open', 'resolved')),
    subject text not null,
    detail text,
    run_id uuid,
    first_sent_at timestamptz not null default now(),
    last_sent_at timestamptz not null default now(),
    sent_count integer not null default 1,
    suppressed_count integer not null default 0,
    resolved_at timestamptz
);
