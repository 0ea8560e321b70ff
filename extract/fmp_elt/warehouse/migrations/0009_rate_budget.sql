-- One FMP rate budget per key, shared by every process that extracts with it (the shards of one run on several
-- machines). A token bucket: `tokens` as of `refilled_at`, refilled by each claim from the claimer's limit.
-- `paused_until` holds every shard back after a 429. The key is known only by a hash.
create table etl.rate_budgets (
    key_hash text primary key,
    tokens double precision not null,
    refilled_at timestamptz not null default clock_timestamp(),
    paused_until timestamptz not null default '-infinity'
);
