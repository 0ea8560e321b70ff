-- Restatements: a fiscal period we held whose figures (or dates) FMP changed is a new version in its history
-- mart. Each quality check counts them per dataset (information, never a failure), and each is alerted once.
alter table etl.data_quality add column restated_records bigint not null default 0;

-- The restatements announced: one row per dataset, company, fiscal period and version.
create table etl.alerted_restatements (
    dataset text not null,
    security_id text not null,
    fiscal_year integer not null,
    period text not null,
    version integer not null,
    run_id uuid not null,
    alerted_at timestamptz not null default now(),
    primary key (dataset, security_id, fiscal_year, period, version)
);

-- One more alert cause: restated fiscal periods (information).
alter table etl.alert_state drop constraint alert_state_kind_check;
alter table etl.alert_state add constraint alert_state_kind_check
    check (kind in (
        'job_failed', 'quality_failed', 'stale_data', 'bandwidth', 'schema_drift', 'price_anomalies',
        'history_repaired', 'restatements'
    ));
