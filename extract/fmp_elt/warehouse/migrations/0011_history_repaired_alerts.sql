-- One more alert cause: a dividend-adjusted history the weekly check repaired (an event the calendars missed).
alter table etl.alert_state drop constraint alert_state_kind_check;
alter table etl.alert_state add constraint alert_state_kind_check
    check (kind in (
        'job_failed', 'quality_failed', 'stale_data', 'bandwidth', 'schema_drift', 'price_anomalies',
        'history_repaired'
    ));
