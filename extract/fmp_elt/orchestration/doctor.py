"""`fmp-elt doctor`: from an FMP key and a PostgreSQL to a warehouse ready for its first run, one check at a time.

Each check gives one verdict: `ok`, `warn` (works, but look), or `fail` with the exit code its cause carries
(2: configuration, as a refused key, an unreachable FMP or warehouse; 1: anything else). The key is checked with
one small call (`splits` of AAPL, which every plan serves); the plan the key can see with one probe per gate
(`company-screener`: Starter and up, whose first page also counts the universe; `nasdaq-constituent`: Premium and
up). Ultimate's bulk endpoints are not probed: their answers are tens of megabytes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from fmp_elt.config import PLANS, Settings
from fmp_elt.errors import FmpEltError
from fmp_elt.fmp.client import FmpClient, RetryPolicy
from fmp_elt.fmp.errors import FmpPlanGate
from fmp_elt.job_config import JobConfig
from fmp_elt.orchestration import backfill_estimate
from fmp_elt.status.usage import human_bytes
from fmp_elt.warehouse.connection import connect, database_url, describe
from fmp_elt.warehouse.schema import migrate

Verdict = Literal["ok", "warn", "fail"]
MIN_POSTGRES = 14  # the oldest server the migrations and dbt models are run against
SCHEMAS = ("raw", "etl", "marts")
PROBE_RETRY = RetryPolicy(max_tries=2, base_seconds=0.5, cap_seconds=2.0)  # a check answers in seconds


@dataclass(frozen=True)
class Check:
    name: str
    verdict: Verdict
    detail: str
    exit_code: int = 0

    def line(self) -> str:
        return f"{self.verdict:<4}  {self.name}: {self.detail}"


@dataclass
class Findings:
    """What later checks need from earlier ones."""

    plan_seen: str | None = None
    universe: int | None = None
    url: str | None = None
    checks: list[Check] = field(default_factory=list)


def failed(name: str, exc: FmpEltError) -> Check:
    return Check(name, "fail", str(exc), exc.exit_code)


def run_checks(settings: Settings, jobs: list[JobConfig]) -> Iterator[Check]:
    """Every check in order; a check whose inputs failed is not run (its line says so)."""
    found = Findings()
    steps: list[tuple[str, Callable[[], Check]]] = [
        ("key", lambda: check_key(settings, found)),
        ("plan", lambda: check_plan(settings, found)),
        ("warehouse", lambda: check_warehouse(settings, found)),
        ("migrations", lambda: check_migrations(found)),
        ("backfill", lambda: check_backfill(settings, jobs, found)),
    ]
    for name, step in steps:
        try:
            check = step()
        except FmpEltError as exc:
            check = failed(name, exc)
        found.checks.append(check)
        yield check
        for timeout in timeout_checks(settings, jobs, found) if name == "backfill" else ():
            found.checks.append(timeout)
            yield timeout


def exit_code(checks: list[Check]) -> int:
    return max((check.exit_code for check in checks), default=0)


def client(settings: Settings) -> FmpClient:
    from fmp_elt.extract_stage import make_client

    return make_client(settings, PROBE_RETRY)


def check_key(settings: Settings, found: Findings) -> Check:
    if not settings.api_key:
        return Check("key", "fail", "FMP_API_KEY is not set; export your FMP key (or try `fmp-elt demo`)", 2)
    fmp = client(settings)
    probe(fmp, "splits", {"symbol": "AAPL"})  # a 402 (symbol outside Basic's sample) still accepts the key
    found.plan_seen = "basic"
    return Check("key", "ok", f"FMP accepted the key ({settings.base_url}, {fmp.stats.calls} call)")


def probe(fmp: FmpClient, endpoint: str, params: dict[str, Any]) -> list[Any] | None:
    """The endpoint's answer, or None when the plan gates it (402)."""
    try:
        return fmp.get_json(endpoint, params)
    except FmpPlanGate:
        return None


def check_plan(settings: Settings, found: Findings) -> Check:
    if found.plan_seen is None:
        return Check("plan", "fail", "not checked: the key check failed", 1)
    from fmp_elt.streams.symbols import NASDAQ_FILTERS, PAGE_SIZE

    fmp = client(settings)
    screened = probe(fmp, "company-screener", {**NASDAQ_FILTERS, "limit": PAGE_SIZE, "page": 0})
    if screened is not None:
        found.plan_seen, found.universe = "starter", len(screened)
        if probe(fmp, "nasdaq-constituent", {}) is not None:
            found.plan_seen = "premium"
    seen, configured = found.plan_seen, settings.plan.name
    names = list(PLANS)
    above = " or above" if seen == "premium" else ""
    text = f"the key sees {seen}{above}; FMP_PLAN={configured}"
    if names.index(configured) > names.index(seen) and seen != "premium":
        return Check("plan", "fail", f"{text}: its endpoints would answer 402; set FMP_PLAN={seen}", 1)
    if names.index(configured) < names.index(seen):
        return Check("plan", "warn", f"{text}: set FMP_PLAN={seen} to use its rate limit and history")
    if configured == "basic" and not settings.symbols:
        return Check("plan", "warn", f"{text}: Basic has no screener; set FMP_SYMBOLS (e.g. AAPL,MSFT)")
    return Check("plan", "ok", text)


def check_warehouse(settings: Settings, found: Findings) -> Check:
    url = database_url(settings)
    conn = connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "select current_setting('server_version'), current_setting('server_version_num')::int / 10000,"
                " current_user, has_database_privilege(current_database(), 'CREATE')"
            )
            version, major, user, can_create = cur.fetchone()
            cur.execute(
                "select n.nspname, has_schema_privilege(n.oid, 'CREATE') and has_schema_privilege(n.oid, 'USAGE')"
                " from pg_namespace n where n.nspname = any(%s)",
                (list(SCHEMAS),),
            )
            schemas = dict(cur.fetchall())
    finally:
        conn.close()
    where = describe(url)
    missing = [name for name in SCHEMAS if name not in schemas]
    refused = [name for name, ok in schemas.items() if not ok]
    if major < MIN_POSTGRES:
        return Check("warehouse", "fail", f"PostgreSQL {version} at {where}; fmp-elt needs {MIN_POSTGRES} or newer", 1)
    if refused or (missing and not can_create):
        lacking = [f"CREATE and USAGE on schema {name}" for name in refused]
        if missing and not can_create:
            lacking.append(f"CREATE on the database, to create schema {', '.join(missing)}")
        grant = "the grants: docs/operate/warehouse.md"
        text = f"PostgreSQL {version} at {where}: {user} lacks {'; '.join(lacking)} ({grant})"
        return Check("warehouse", "fail", text, 1)
    found.url = url
    owns = "creates the schemas" if missing else "uses schemas " + ", ".join(sorted(schemas))
    return Check("warehouse", "ok", f"PostgreSQL {version} at {where}; {user} {owns}")


def check_migrations(found: Findings) -> Check:
    if found.url is None:
        return Check("migrations", "fail", "not applied: the warehouse check failed", 1)
    conn = connect(found.url)
    try:
        applied = migrate(conn)
        with conn.cursor() as cur:
            cur.execute("select count(*) from etl.schema_migrations")
            total = cur.fetchone()[0]
    finally:
        conn.close()
    span = applied[0] if len(applied) == 1 else f"{applied[0]} to {applied[-1]}" if applied else ""
    done = f"applied {len(applied)} ({span})" if applied else "none to apply"
    return Check("migrations", "ok", f"{done}; {total} in the warehouse")


def universe_size(settings: Settings, found: Findings) -> tuple[int, str] | None:
    """How many symbols the first backfill covers, and where that number comes from."""
    if settings.symbols:
        return len(settings.symbols), "FMP_SYMBOLS"
    if found.universe is not None:
        return found.universe, "the screener's NASDAQ universe"
    return None


def check_backfill(settings: Settings, jobs: list[JobConfig], found: Findings) -> Check:
    size = universe_size(settings, found)
    if size is None:
        return Check("backfill", "warn", "no universe to estimate: set FMP_SYMBOLS (the screener is not in the plan)")
    symbols, source = size
    cost = backfill_estimate.estimate(symbols, settings.plan, settings.rate_limit_per_minute, jobs)
    pace = f"{cost.minutes:,.1f} min at {cost.rate_per_minute} calls/min"
    if settings.plan.calls_per_day:
        pace = f"{cost.calls / settings.plan.calls_per_day:,.1f} days at {settings.plan.calls_per_day} calls/day"
    text = (
        f"{symbols:,} symbols ({source}) on {cost.plan}: {cost.calls:,} calls, {pace},"
        f" {human_bytes(cost.bytes)} of FMP bandwidth"
    )
    cap = settings.plan.bandwidth_cap_bytes
    if cap and cost.bytes > cap:
        return Check("backfill", "warn", f"{text}, over the plan's {human_bytes(cap)} a 30 days: backfill in parts")
    return Check("backfill", "ok", text)


def timeout_checks(settings: Settings, jobs: list[JobConfig], found: Findings) -> list[Check]:
    """Per extract job: does its timeout in jobs.yml hold its part of the first backfill (with headroom)?"""
    size = universe_size(settings, found)
    if size is None:
        return []
    cost = backfill_estimate.estimate(size[0], settings.plan, settings.rate_limit_per_minute, jobs)
    checks = []
    for job in cost.jobs:
        text = f"{job.calls:,} calls, {job.minutes:,.1f} min; timeout {job.timeout_seconds:.0f}s"
        if job.fits:
            checks.append(Check(f"timeout {job.job}", "ok", text))
        else:
            advice = f"set `timeout: {job.needs_seconds}` for {job.job} in jobs.yml (FMP_ELT_JOBS) for the backfill"
            checks.append(Check(f"timeout {job.job}", "warn", f"{text}: too short; {advice}"))
    return checks
