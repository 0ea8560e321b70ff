"""The run log: one `etl.executions` row per job run and structured lines in `etl.logs`.

An execution is written on its own autocommit connection, so that what it records survives a rollback of the
work it describes, and a crash leaves a `running` row that the next run marks as failed (`reap_interrupted`).
Times come from the pipeline's clock (`fmp_elt.clock`), not the server's now(): a replayed run (`fmp-elt demo
--days`) is recorded on its day.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import traceback
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import psycopg2.extensions

from fmp_elt import clock
from fmp_elt.errors import FmpEltError
from fmp_elt.redaction import redact, redact_data
from fmp_elt.warehouse.connection import connect

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def stored_json(metadata: Mapping[str, Any]) -> str:
    """Metadata as stored: plain JSON, every string redacted (tracebacks quote URLs and arguments)."""
    return json.dumps(redact_data(json.loads(json.dumps(metadata, default=str))))


def new_run_id() -> str:
    return str(uuid.uuid4())


@dataclass
class Execution:
    """A job run in progress. Counters and metadata are flushed to the database on `finish`."""

    conn: psycopg2.extensions.connection
    id: str
    run_id: str
    job_name: str
    records_processed: int = 0
    records_failed: int = 0
    metadata: dict[str, Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def log(self, level: str, message: str, **metadata: Any) -> None:
        level = level.upper()
        if level not in LEVELS:
            raise ValueError(f"unknown log level {level!r}")
        with self._lock, self.conn.cursor() as cur:
            cur.execute(
                "insert into etl.logs (timestamp, level, job_name, run_id, message, metadata)"
                " values (%s, %s, %s, %s, %s, %s)",
                (clock.now(), level, self.job_name, self.run_id, redact(message), stored_json(metadata)),
            )

    def count(self, processed: int = 0, failed: int = 0) -> None:
        with self._lock:
            self.records_processed += processed
            self.records_failed += failed

    def finish(self, status: str, error_message: str | None = None) -> None:
        with self._lock, self.conn.cursor() as cur:
            cur.execute(
                "update etl.executions set status = %s, end_time = %s, records_processed = %s,"
                " records_failed = %s, error_message = %s, metadata = %s where id = %s",
                (
                    status,
                    clock.now(),
                    self.records_processed,
                    self.records_failed,
                    redact(error_message) if error_message else error_message,
                    stored_json(self.metadata),
                    self.id,
                ),
            )


def begin(url: str, job_name: str, run_id: str | None = None, metadata: Mapping[str, Any] | None = None) -> Execution:
    """Insert a `running` execution and return it."""
    conn = connect(url, application_name=f"fmp-elt:{job_name}")
    conn.autocommit = True
    execution = Execution(conn, str(uuid.uuid4()), run_id or new_run_id(), job_name, metadata=dict(metadata or {}))
    with conn.cursor() as cur:
        cur.execute(
            "insert into etl.executions (id, run_id, job_name, status, start_time, metadata)"
            " values (%s, %s, %s, 'running', %s, %s)",
            (execution.id, execution.run_id, job_name, clock.now(), stored_json(execution.metadata)),
        )
    return execution


def attach(url: str, execution_id: str, run_id: str, job_name: str) -> Execution:
    """An execution begun elsewhere (the runner), written from this process: logs go straight to `etl.logs`,
    counters and metadata stay in memory for the owner to `finish`."""
    conn = connect(url, application_name=f"fmp-elt:{job_name}")
    conn.autocommit = True
    return Execution(conn, execution_id, run_id, job_name)


@contextmanager
def recorded(
    url: str, job_name: str, run_id: str | None = None, metadata: Mapping[str, Any] | None = None
) -> Iterator[Execution]:
    """Run a block as a job execution: completed when it returns, failed (with the error) when it raises."""
    execution = begin(url, job_name, run_id, metadata)
    handler = ExecutionLogHandler(execution)
    logger = logging.getLogger("fmp_elt")
    logger.addHandler(handler)
    try:
        yield execution
    except BaseException as exc:
        message = one_line(exc)
        execution.metadata.setdefault("traceback", traceback.format_exc(limit=8))
        execution.log("ERROR", f"{job_name} failed: {message}")
        execution.finish("failed", message)
        raise
    else:
        status = execution.metadata.pop("_status", "completed")
        execution.finish(status, execution.metadata.get("error_message"))
    finally:
        logger.removeHandler(handler)
        execution.conn.close()


def one_line(exc: BaseException) -> str:
    """An exception as the run log and the console show it: its first line, redacted."""
    text = str(exc).strip().splitlines()
    return redact(f"{type(exc).__name__}: {text[0]}") if text else type(exc).__name__


class ExecutionLogHandler(logging.Handler):
    """Copies the `extract.*` loggers' records into `etl.logs` for the current execution."""

    def __init__(self, execution: Execution, level: int = logging.INFO) -> None:
        super().__init__(level)
        self.execution = execution

    def emit(self, record: logging.LogRecord) -> None:
        try:
            extra = getattr(record, "fields", {})
            self.execution.log(record.levelname, record.getMessage(), logger=record.name, **extra)
        except Exception:  # a log line must never break the run it describes
            self.handleError(record)


def reap_interrupted(url: str) -> int:
    """Mark `running` executions as failed and end the database sessions a dead run left behind.

    Only called by a process that holds the run lock itself, so every `running` row it sees belongs to a
    process that died (killed, crashed, lost its connection). The server may still be executing that process's
    last statement (it notices a vanished client only when it next writes to it): such a session is
    terminated, which rolls its transaction back, before this run touches the same tables.
    """
    conn = connect(url)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(
                "select count(pg_terminate_backend(pid, 10000)) from pg_stat_activity"
                " where datname = current_database() and pid <> pg_backend_pid()"
                " and (application_name = 'fmp-elt-dbt' or application_name like 'fmp-elt:%%')"
                " and application_name <> 'fmp-elt:run-lock'"  # a run queued behind ours (--wait)
                " and pid not in (select pid from pg_locks where locktype = 'advisory')"
            )
            cur.execute(
                "update etl.executions set status = 'failed', end_time = coalesce(end_time, %s),"
                " error_message = 'interrupted: the process ended before the job finished'"
                " where status = 'running'",
                (clock.now(),),
            )
            return cur.rowcount
    finally:
        conn.close()


# `fmp-elt run` holds this session-level advisory lock for its whole run: one run at a time.
RUN_LOCK_KEY = 0x666D70_0002


class RunInProgress(FmpEltError):
    """Another process holds the run lock."""

    exit_code = 2


@contextmanager
def run_lock(
    url: str, *, wait: bool = False, shared: bool = False, hint: str = "use --wait to queue"
) -> Iterator[None]:
    """Hold the run lock on a dedicated connection; released when the block ends or the process dies.

    `fmp-elt run` holds it exclusively. Stand-alone extractions hold it shared, so that the shards of one
    extraction run side by side while no pipeline run (which reaps `running` executions) can start among them.
    `hint` ends the message when the lock is taken: what the caller's command offers to do about it.
    """
    conn = connect(url, application_name="fmp-elt:run-lock")
    conn.autocommit = True
    kind = "_shared" if shared else ""
    held = False
    try:
        with conn.cursor() as cur:
            if wait:
                cur.execute(f"select pg_advisory_lock{kind}(%s)", (RUN_LOCK_KEY,))
            else:
                cur.execute(f"select pg_try_advisory_lock{kind}(%s)", (RUN_LOCK_KEY,))
                if not cur.fetchone()[0]:
                    raise RunInProgress(f"another run is in progress ({lock_holder(cur)}); {hint}")
            held = True
        yield
    finally:
        # Released before the connection closes: a closed connection's backend exits, and frees the lock, only
        # some time after the client has gone, so a run started right after this one could find it still held.
        if held:
            with contextlib.suppress(psycopg2.Error), conn.cursor() as cur:
                cur.execute(f"select pg_advisory_unlock{kind}(%s)", (RUN_LOCK_KEY,))
        conn.close()


def lock_holder(cur: psycopg2.extensions.cursor) -> str:
    """Who holds the run lock, for the message that says so."""
    cur.execute(
        "select a.pid, a.application_name, a.backend_start from pg_locks l join pg_stat_activity a using (pid)"
        " where l.locktype = 'advisory' and l.granted and ((l.classid::bigint << 32) | l.objid::bigint) = %s",
        (RUN_LOCK_KEY,),
    )
    row = cur.fetchone()
    if row is None:
        return "holder unknown"
    pid, application, since = row
    return f"server pid {pid}, {application or 'unnamed'}, since {since:%Y-%m-%d %H:%M:%S %Z}"
