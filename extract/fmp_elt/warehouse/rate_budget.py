"""One FMP rate budget for every process that extracts with a key: the shards of a run, on one machine or many.

A token bucket in the warehouse (etl.rate_budgets, a row per key hash) instead of one per process: a shard that
finishes early leaves the whole limit to the others, and a shard that dies holds nothing (its unused tokens
expire within HOLD_S). Tokens are claimed a batch per round trip (a quarter second's worth) with one
`update ... returning`, so the warehouse sees a few statements a second, not one per call.

Why not pyrate-limiter's PostgreSQL bucket: it inserts a row per call and counts the window under a table lock
(several round trips per call), needs psycopg 3 and a pool beside our psycopg2, creates its tables outside our
migrations, and has no way to tell the other processes about a 429.

Why it never exceeds the limit: the bucket grants at most `burst + rate * t` tokens in any t seconds, and a token
is used within HOLD_S of its claim or dropped, so any 60 s of calls draws on at most 60 + HOLD_S s of grants:
`burst + rate * (60 + HOLD_S)` = the limit. That puts the ceiling at about 98% of the limit, as the in-process
bucket's.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from typing import Any

from fmp_elt.warehouse.connection import connect

HOLD_S = 0.5  # a claimed token not used within this is dropped (never carried into a later window)
BATCH_S = 0.25  # each claim takes this many seconds' worth of the limit

CLAIM = """
with clock as (select clock_timestamp() as now),
budget as (
    select b.key_hash, clock.now,
           least(%(burst)s, b.tokens + %(rate)s * greatest(0, extract(epoch from clock.now - b.refilled_at)))
               as available,
           greatest(0, extract(epoch from b.paused_until - clock.now)) as paused_s
    from etl.rate_budgets as b, clock where b.key_hash = %(key)s for update of b
),
claim as (
    select *, case when paused_s = 0 and available >= %(want)s then %(want)s else 0 end as granted from budget
)
update etl.rate_budgets as b set tokens = claim.available - claim.granted, refilled_at = claim.now
from claim where b.key_hash = claim.key_hash
returning claim.granted, claim.available, claim.paused_s
"""

PAUSE = """
update etl.rate_budgets set tokens = 0, refilled_at = clock_timestamp(),
    paused_until = greatest(paused_until, clock_timestamp() + make_interval(secs => %(seconds)s))
where key_hash = %(key)s
"""


def key_hash(api_key: str) -> str:
    """How the warehouse knows a key: a hash, never the key."""
    return hashlib.sha256(b"fmp-elt rate budget\0" + api_key.encode()).hexdigest()


class BudgetSizing:
    """Batch, bucket size and refill rate for a limit, such that no 60 s window sees more than `calls_per_minute`."""

    def __init__(self, calls_per_minute: int) -> None:
        if calls_per_minute <= 0:
            raise ValueError("calls_per_minute must be positive")
        self.batch = max(1, round(calls_per_minute / 60 * BATCH_S))
        self.burst = min(max(self.batch, calls_per_minute // 120), calls_per_minute)
        spare = calls_per_minute - self.burst if calls_per_minute > self.burst else calls_per_minute
        self.rate_per_second = spare / (60.0 + HOLD_S)


class SharedRateLimiter:
    """The RateLimiter interface (acquire, pause) over the warehouse's budget for one key."""

    def __init__(
        self,
        database_url: str,
        api_key: str,
        calls_per_minute: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.calls_per_minute = calls_per_minute
        self.sizing = BudgetSizing(calls_per_minute)
        self._url = database_url
        self._key = key_hash(api_key)
        self._clock = clock
        self._sleep = sleep
        self._claim_lock = threading.Lock()  # one thread claims (and waits) for the process; the others queue
        self._state_lock = threading.Lock()
        self._pause_lock = threading.Lock()
        self._tokens = 0
        self._expires = 0.0
        self._paused_until = 0.0
        self._conn = self._connect()
        self._pause_conn: Any = None
        with self._conn.cursor() as cur:
            cur.execute(
                "insert into etl.rate_budgets (key_hash, tokens) values (%s, %s) on conflict (key_hash) do nothing",
                (self._key, float(self.sizing.burst)),
            )

    def _connect(self) -> Any:
        conn = connect(self._url, application_name="fmp-elt:rate-budget")
        conn.autocommit = True
        return conn

    def acquire(self) -> float:
        """Take one token, waiting as long as needed; return the seconds waited."""
        waited = 0.0
        with self._claim_lock:
            while True:
                wait = self._take_local()
                if wait is None:
                    return waited
                if wait == 0.0:
                    wait = self._claim()
                if wait > 0.0:
                    self._sleep(wait)
                    waited += wait

    def _take_local(self) -> float | None:
        """None when a token was taken; else the local pause left (0.0: none, claim more)."""
        with self._state_lock:
            now = self._clock()
            if self._paused_until > now:
                return self._paused_until - now
            if self._tokens > 0 and now < self._expires:
                self._tokens -= 1
                return None
            return 0.0

    def _claim(self) -> float:
        """Claim a batch from the warehouse; return 0.0 when granted, else the seconds to wait before asking again."""
        want = self.sizing.batch
        asked = self._clock()
        with self._conn.cursor() as cur:
            cur.execute(
                CLAIM,
                {"key": self._key, "want": want, "burst": self.sizing.burst, "rate": self.sizing.rate_per_second},
            )
            granted, available, paused_s = cur.fetchone()
        if paused_s > 0:
            return float(paused_s)
        if granted == 0:
            return max((want - available) / self.sizing.rate_per_second, 0.001)
        with self._state_lock:
            if self._paused_until <= asked:  # a 429 seen while claiming voids the claim
                self._tokens, self._expires = granted, asked + HOLD_S
        return 0.0

    def pause(self, seconds: float) -> None:
        """Hold back every thread, and through the warehouse every other process on this key (a 429 throttles
        the key)."""
        with self._state_lock:
            self._paused_until = max(self._paused_until, self._clock() + seconds)
            self._tokens = 0
        with self._pause_lock:
            if self._pause_conn is None:
                self._pause_conn = self._connect()
            with self._pause_conn.cursor() as cur:
                cur.execute(PAUSE, {"key": self._key, "seconds": seconds})

    def close(self) -> None:
        for conn in (self._conn, self._pause_conn):
            if conn is not None:
                conn.close()
