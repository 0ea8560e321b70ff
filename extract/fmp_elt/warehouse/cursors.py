"""Reading the extractors' stored state: cursors and the current symbol universe."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import suppress
from datetime import date

import psycopg2.extensions

from fmp_elt.streams.base import Cursor


def load_cursors(conn: psycopg2.extensions.connection, streams: Iterable[str]) -> dict[tuple[str, str], Cursor]:
    with conn.cursor() as cur:
        cur.execute(
            "select stream, symbol, newest_date, oldest_date, recent from etl.stream_state where stream = any(%s)",
            (list(streams),),
        )
        return {
            (stream, symbol): Cursor(newest, oldest, {str(k): float(v) for k, v in (recent or {}).items()})
            for stream, symbol, newest, oldest, recent in cur.fetchall()
        }


def universe(conn: psycopg2.extensions.connection) -> list[str]:
    """The symbols seen by the most recent `symbols` extraction."""
    with conn.cursor() as cur:
        cur.execute(
            "select symbol from etl.stream_state where stream = 'symbols' and last_run_id = ("
            " select last_run_id from etl.stream_state where stream = 'symbols' order by updated_at desc limit 1)"
            " order by symbol"
        )
        return [row[0] for row in cur.fetchall()]


def departed(conn: psycopg2.extensions.connection, marker_stream: str) -> list[str]:
    """Symbols the screener listed before but not in its latest answer, still owed their last fetch: no
    `marker_stream` row newer than their last sighting. Empty until the screener has answered twice."""
    with conn.cursor() as cur:
        cur.execute(
            "with latest as (select last_run_id from etl.stream_state where stream = 'screened'"
            " order by updated_at desc limit 1)"
            " select seen.symbol from etl.stream_state seen where seen.stream = 'screened'"
            " and seen.last_run_id <> (select last_run_id from latest)"
            " and not exists (select 1 from etl.stream_state done where done.stream = %s"
            " and done.symbol = seen.symbol and done.updated_at > seen.updated_at)"
            " order by seen.symbol",
            (marker_stream,),
        )
        return [row[0] for row in cur.fetchall()]


def delisted_unfetched(conn: psycopg2.extensions.connection, stream: str, exchange: str, since: date) -> list[str]:
    """Companies of `exchange` that FMP lists as delisted on or after `since` (the backfill window), still owed
    their fetch by `stream`: no `stream` row dated on or after the delisting (a fetch that reached the last
    trading day). A fetch that failed writes no row, so the symbol is owed again on the next run."""
    with conn.cursor() as cur:
        cur.execute(
            "with delistings as (select coalesce(symbol, payload->>'symbol') as symbol,"
            " max(raw.fmp_date(payload->>'delistedDate')) as delisted_date from raw.fmp_delisted"
            " where payload->>'exchange' = %(exchange)s group by 1)"
            " select delistings.symbol from delistings where delistings.symbol is not null"
            " and delistings.delisted_date >= %(since)s"
            " and not exists (select 1 from etl.stream_state fetched where fetched.stream = %(stream)s"
            " and fetched.symbol = delistings.symbol and fetched.newest_date >= delistings.delisted_date)"
            " order by delistings.symbol",
            {"exchange": exchange, "since": since, "stream": stream},
        )
        return [row[0] for row in cur.fetchall()]


def latest_events(conn: psycopg2.extensions.connection, since: date, until: date) -> dict[str, date]:
    """Per symbol, the newest split or dividend dated in [since, until] in the landed calendars and histories."""
    with conn.cursor() as cur:
        cur.execute(
            "select payload->>'symbol', max(payload->>'date') from ("
            " select payload from raw.fmp_dividends union all select payload from raw.fmp_splits) as events"
            " where payload->>'date' between %(since)s and %(until)s and payload->>'symbol' is not null"
            " group by 1",
            {"since": since.isoformat(), "until": until.isoformat()},
        )
        found = {}
        for symbol, day in cur.fetchall():
            with suppress(ValueError):  # a malformed date is the quality suite's business, not a read
                found[symbol] = date.fromisoformat(day)
        return found


MISMATCHES = ("split_mismatch", "dividend_mismatch", "adjusted_mismatch")


def mismatches_owed(conn: psycopg2.extensions.connection, marker: str) -> dict[str, date]:
    """Per symbol with an open split, dividend or adjusted mismatch in marts.price_anomalies, its newest such
    day, unless `marker` records a re-read made for that day or a later one (one re-read per mismatch, not one
    per run). Empty before the marts are first built."""
    with conn.cursor() as cur:
        cur.execute("select to_regclass('marts.price_anomalies') is not null")
        row = cur.fetchone()
        if not row or not row[0]:
            return {}
        cur.execute(
            "with open as (select symbol, max(price_date) as newest from marts.price_anomalies"
            " where anomaly = any(%(kinds)s) group by symbol)"
            " select open.symbol, open.newest from open where not exists (select 1 from etl.stream_state reread"
            " where reread.stream = %(marker)s and reread.symbol = open.symbol and reread.newest_date >= open.newest)"
            " order by open.symbol",
            {"kinds": list(MISMATCHES), "marker": marker},
        )
        return dict(cur.fetchall())
