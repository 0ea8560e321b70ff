-- Schema drift: the fields FMP last sent per endpoint, and each change of that set (what was added, dropped).
create table etl.endpoint_fields (
    endpoint text primary key,
    fields text[] not null,
    first_seen_at timestamptz not null default now(),
    changed_at timestamptz not null default now(),
    last_seen_at timestamptz not null default now(),
    last_run_id uuid
);

create table etl.schema_changes (
    id bigint generated always as identity primary key,
    endpoint text not null,
    detected_at timestamptz not null default now(),
    run_id uuid,
    added text[] not null default '{}',
    dropped text[] not null default '{}',
    fields text[] not null  -- the set after the change
);
create index schema_changes_detected on etl.schema_changes (detected_at desc);

-- Two more alert causes: FMP bandwidth near the plan's cap, and a schema change (announced once).
alter table etl.alert_state drop constraint alert_state_kind_check;
alter table etl.alert_state add constraint alert_state_kind_check
    check (kind in ('job_failed', 'quality_failed', 'stale_data', 'bandwidth', 'schema_drift', 'price_anomalies'));
