-- Data quality measured by Great Expectations (`fmp-elt validate`). Definitions of the counts are in
-- extract/fmp_elt/quality/metrics.py.

-- DataQualityMetrics: one row per dataset per validation run, plus the suite's statistics.
create table etl.data_quality (
    id bigint generated always as identity primary key,
    run_id uuid not null,
    dataset text not null,
    suite text not null,
    checked_at timestamptz not null default now(),
    total_records bigint not null,
    valid_records bigint not null,
    invalid_records bigint not null,
    missing_fields bigint not null,
    duplicate_records bigint not null,
    -- Seconds the newest record trails what could exist (price dates: the last completed trading day's
    -- close); NULL when the dataset has no rows or no freshness rule.
    data_freshness double precision,
    is_fresh boolean,
    success boolean not null,
    critical boolean not null,
    evaluated_expectations integer not null,
    successful_expectations integer not null,
    unsuccessful_expectations integer not null,
    success_percent double precision,
    metadata jsonb not null default '{}',
    unique (run_id, dataset)
);
create index data_quality_dataset_time on etl.data_quality (dataset, checked_at desc);

-- One row per expectation result of a validation run.
create table etl.data_quality_results (
    id bigint generated always as identity primary key,
    run_id uuid not null,
    dataset text not null,
    checked_at timestamptz not null default now(),
    expectation_type text not null,
    column_name text,  -- the column(s) the expectation reads, comma-separated; NULL for table-level ones
    description text,
    success boolean not null,
    element_count bigint,
    unexpected_count bigint,
    unexpected_percent double precision,
    details jsonb not null default '{}'
);
create index data_quality_results_run on etl.data_quality_results (run_id, dataset);
