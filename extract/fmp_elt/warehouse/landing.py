"""Raw landing: COPY records into raw.* in bounded batches, each committed with the cursors it covers.

A batch is one transaction: the rows, their cursors and the failure records commit together or not at all,
so a crash between batches re-fetches at most one batch and never advances a cursor past rows not landed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import orjson
import psycopg2.extensions
import psycopg2.extras

from fmp_elt import clock
from fmp_elt.redaction import redact
from fmp_elt.streams import RAW_DATASETS
from fmp_elt.streams.base import CursorUpdate, Failure, Landing, UnitResult
from fmp_elt.warehouse.field_sets import record_fields

RAW_TABLES = frozenset(RAW_DATASETS)  # landing writes to declared tables only
# _loaded_at comes from the pipeline's clock, not the server's now(), so a replayed run lands at its own time
COPY_COLUMNS = "(symbol, payload, _run_id, _endpoint, _loaded_at)"
# Rows are encoded before their batch commits, so they carry this in place of the load time, and the batch writes
# its one time over it: every row of a transaction shares one _loaded_at, as with the server's now(). A tab and a
# newline around it make it unambiguous: escaped payloads, symbols and endpoints hold neither raw.
_LOAD_TIME = b"\t@load-time@\n"
# An escaped NUL (`\u0000`) preceded by an even number of backslashes: a real NUL, not text that names one.
_ESCAPED_NUL = re.compile(rb"(?<!\\)((?:\\\\)*)\\u0000")


def copy_text(value: str) -> str:
    """Escape a value for COPY's text format (JSON from json.dumps has no raw tabs or newlines)."""
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def payload_json(record: Any) -> str:
    """The record as compact JSON text, with the standard library (the slow path, for values orjson refuses)."""
    return json.dumps(record, separators=(",", ":"), allow_nan=False, default=str)


def encode_payload(record: Any) -> bytes:
    """The record as compact UTF-8 JSON. orjson writes it ~10x faster than json.dumps and turns NaN into null;
    integers beyond 64 bits (which it refuses) take the standard library's path."""
    try:
        return orjson.dumps(record, default=str)
    except orjson.JSONEncodeError:
        return payload_json(record).encode()


def copy_payloads(records: list[Any]) -> bytes:
    """The records' JSON, one per line, escaped for COPY's text format.

    JSON text never holds a raw newline, tab or carriage return (they are escaped inside strings) and UTF-8
    continuation bytes are never ASCII, so escaping the backslashes of the whole block is all COPY needs.
    PostgreSQL's jsonb cannot hold \\u0000: FMP never sends it, but a broken body must not sink the batch.
    """
    block = b"\n".join(map(encode_payload, records))
    if b"\\" in block:
        if b"\\u0000" in block:
            block = _ESCAPED_NUL.sub(rb"\1", block)
        block = block.replace(b"\\", b"\\\\")
    return block


def record_symbol(landing: Landing, record: Any) -> str | None:
    if landing.symbol is not None:
        return landing.symbol
    value = record.get("symbol") if isinstance(record, dict) else None
    return value if isinstance(value, str) else None


def copy_rows(landing: Landing, run_id: str, loaded_at: datetime | None = None) -> bytes:
    """One landing as COPY text rows: symbol, payload, run id, endpoint, load time (without one, a mark that
    `stamp_rows` replaces with the time of the batch the rows land in)."""
    if not landing.records:
        return b""
    stamp = b"\t" + loaded_at.isoformat().encode() + b"\n" if loaded_at else _LOAD_TIME
    suffix = f"\t{run_id}\t{copy_text(landing.endpoint)}".encode() + stamp
    if landing.symbol is not None:
        # One symbol for every record: join the payload lines with "suffix + prefix" in a single pass.
        prefix = f"{copy_text(landing.symbol)}\t".encode()
        return prefix + copy_payloads(landing.records).replace(b"\n", suffix + prefix) + suffix
    lines = []
    for record, payload in zip(landing.records, copy_payloads(landing.records).split(b"\n"), strict=True):
        symbol = record_symbol(landing, record)
        lines.append((b"\\N" if symbol is None else copy_text(symbol).encode()) + b"\t" + payload + suffix)
    return b"".join(lines)


def stamp_rows(rows: bytes, loaded_at: datetime) -> bytes:
    """COPY rows from `copy_rows` with their load-time mark set to `loaded_at`."""
    return rows.replace(_LOAD_TIME, b"\t" + loaded_at.isoformat().encode() + b"\n")


class CopySource:
    """A file-like object COPY reads from, producing the rows one landing at a time.

    Rows are encoded while PostgreSQL parses the previous chunk (two cores work at once), and a batch is never
    held in memory twice, as bytes and as records.
    """

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks: Iterator[bytes] = iter(chunks)

    def read(self, size: int = -1) -> bytes:
        for chunk in self._chunks:
            if chunk:
                return chunk
        return b""


@dataclass
class PreparedResult:
    """A unit result whose records are already COPY rows: a fraction of their memory as Python objects, so the
    results waiting to be landed stay small, and the encoding runs in the worker that fetched them."""

    result: UnitResult  # cursors, failures, counts and follow-ups; its landings emptied
    copies: list[tuple[str, bytes]]  # (raw table, COPY rows)
    rows: int
    fields: dict[str, frozenset[str]] = field(default_factory=dict)  # endpoint -> the records' keys (drift)


def check_tables(landings: Iterable[Landing]) -> None:
    for landing in landings:
        if landing.table not in RAW_TABLES:
            raise ValueError(f"not a raw table: {landing.table}")


def prepare(result: UnitResult, run_id: str) -> PreparedResult:
    check_tables(result.landings)
    copies = [(landing.table, copy_rows(landing, run_id)) for landing in result.landings]
    fields: dict[str, frozenset[str]] = {}
    for landing in result.landings:
        if landing.records:
            fields[landing.endpoint] = fields.get(landing.endpoint, frozenset()) | record_fields(landing.records)
    return PreparedResult(replace(result, landings=[]), copies, result.rows, fields)


class RawLander:
    """Buffers unit results and flushes them as one transaction once `batch_rows` records are waiting."""

    def __init__(self, conn: psycopg2.extensions.connection, run_id: str, batch_rows: int = 20_000) -> None:
        self.conn = conn
        self.run_id = run_id
        self.batch_rows = batch_rows
        self._pending: list[PreparedResult] = []
        self._pending_rows = 0
        self.rows_landed = 0
        self.batches = 0
        self.fields_seen: dict[str, set[str]] = {}  # endpoint -> every field its records carried

    def prepare(self, result: UnitResult) -> PreparedResult:
        """Encode a result's records for this lander; safe to call from any thread."""
        return prepare(result, self.run_id)

    def add(self, item: PreparedResult) -> None:
        self._pending.append(item)
        self._pending_rows += item.rows
        for endpoint, names in item.fields.items():
            self.fields_seen.setdefault(endpoint, set()).update(names)
        if self._pending_rows >= self.batch_rows:
            self.flush()

    def flush(self) -> None:
        if not self._pending:
            return
        items, self._pending, rows, self._pending_rows = self._pending, [], self._pending_rows, 0
        results = [item.result for item in items]
        cursors = [c for r in results for c in r.cursors]
        failures = [f for r in results for f in (*r.failures, *r.plan_gates)]
        loaded_at = clock.now()
        with self.conn, self.conn.cursor() as cur:
            for table in sorted(self._tables(items)):
                source = CopySource(self._chunks(items, table, loaded_at))
                cur.copy_expert(f"copy {table} {COPY_COLUMNS} from stdin with (encoding 'utf8')", source)
            self._save_cursors(cur, cursors)
            settled = {(c.stream, c.symbol) for c in cursors} | {key for r in results for key in r.settled}
            self._save_failures(cur, failures, settled)
        self.rows_landed += rows
        self.batches += 1

    @staticmethod
    def _tables(items: list[PreparedResult]) -> set[str]:
        return {table for item in items for table, _ in item.copies}

    @staticmethod
    def _chunks(items: list[PreparedResult], table: str, loaded_at: datetime) -> Iterator[bytes]:
        """The COPY rows for `table`, in the order the results arrived, stamped with the batch's load time."""
        for item in items:
            yield from (stamp_rows(rows, loaded_at) for t, rows in item.copies if t == table)

    def _save_cursors(self, cur: psycopg2.extensions.cursor, cursors: list[CursorUpdate]) -> None:
        if not cursors:
            return
        now = clock.now()
        rows = [
            (
                c.stream,
                c.symbol,
                c.cursor.newest_date,
                c.cursor.oldest_date,
                json.dumps(c.cursor.recent),
                self.run_id,
                int(c.refetched),
                now,
            )
            for c in cursors
        ]
        psycopg2.extras.execute_values(
            cur,
            "insert into etl.stream_state (stream, symbol, newest_date, oldest_date, recent, last_run_id,"
            " full_refetches, updated_at) values %s on conflict (stream, symbol) do update set"
            " newest_date = excluded.newest_date, oldest_date = excluded.oldest_date, recent = excluded.recent,"
            " last_run_id = excluded.last_run_id, updated_at = excluded.updated_at,"
            " full_refetches = etl.stream_state.full_refetches + excluded.full_refetches",
            rows,
            template="(%s, %s, %s, %s, %s::jsonb, %s::uuid, %s, %s)",
        )

    def _save_failures(
        self, cur: psycopg2.extensions.cursor, failures: list[Failure], settled: set[tuple[str, str]]
    ) -> None:
        if settled:
            psycopg2.extras.execute_values(
                cur,
                "delete from etl.stream_failures f using (values %s) as ok(stream, symbol)"
                " where f.stream = ok.stream and f.symbol = ok.symbol",
                sorted(settled),
            )
        if failures:
            now = clock.now()
            psycopg2.extras.execute_values(
                cur,
                "insert into etl.stream_failures (stream, symbol, run_id, reason, error_class, http_status,"
                " failed_at) values %s on conflict (stream, symbol) do update set run_id = excluded.run_id,"
                " reason = excluded.reason, error_class = excluded.error_class,"
                " http_status = excluded.http_status, failed_at = excluded.failed_at",
                [
                    (f.stream, f.symbol, self.run_id, redact(f.reason), f.error_class, f.http_status, now)
                    for f in failures
                ],
                template="(%s, %s, %s::uuid, %s, %s, %s, %s)",
            )
