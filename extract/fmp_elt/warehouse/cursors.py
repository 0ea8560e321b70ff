"""Reading the extractors' stored state: cursors and the current symbol universe."""

from __future__ import annotations

from collections.abc import Iterable

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
