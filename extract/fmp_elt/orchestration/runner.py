"""The DAG runner behind `fmp-elt run`: due jobs in dependency order, each attempt in its own process.

One run at a time (the run lock). Each job gets one `etl.executions` row for the run, owned by this process;
its attempts run in child processes (forks of a server that preloaded the jobs' imports, see `attempt_process`,
each in a session of its own, so a job that overruns its timeout is killed with everything it started) and write
their log lines into that execution directly. A failed job
skips only the jobs that depend on it; the others go on.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
import multiprocessing
import os
import signal
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from fmp_elt import clock
from fmp_elt.errors import ConfigError
from fmp_elt.job_config import JobConfig, downstream, select
from fmp_elt.orchestration.alerts import after_run
from fmp_elt.orchestration.alerts.message import Channel
from fmp_elt.orchestration.attempt_process import adopt, follow_runner, preload
from fmp_elt.orchestration.job_context import JobContext, JobResult, RunOptions
from fmp_elt.orchestration.report import JobOutcome, RunReport
from fmp_elt.redaction import redact_log_records
from fmp_elt.warehouse import runlog
from fmp_elt.warehouse.connection import connect
from fmp_elt.warehouse.schema import ensure_schema

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 600.0
# After the job reported its result, how long its process may take to exit before it is killed.
EXIT_GRACE_SECONDS = 10.0

Progress = Callable[[str], None]


@dataclass(frozen=True)
class AttemptSpec:
    """What a child process needs to run one attempt (pickled to the fork server's child).

    The fork starts with the server's environment and working directory, so the runner's current ones travel
    here; `runner` is the pid the attempt dies with (its parent is the server, not the runner).
    """

    job: JobConfig
    run_id: str
    execution_id: str
    database_url: str
    attempt: int
    options: RunOptions
    runner: int
    cwd: str
    environ: dict[str, str] = field(repr=False)  # holds the secrets: never in a repr


@dataclass
class AttemptResult:
    error: str | None = None
    retryable: bool = True
    records_processed: int = 0
    records_failed: int = 0
    metadata: dict[str, Any] = field(default_factory=dict)


def run(
    url: str,
    jobs: list[JobConfig],
    names: list[str] | None = None,
    options: RunOptions | None = None,
    *,
    wait: bool = False,
    retry_delay: float = 10.0,
    progress: Progress | None = None,
    alerts: bool = True,
    alert_channels: list[Channel] | None = None,
) -> RunReport:
    """`fmp-elt run`: take the run lock, reap what a dead run left `running`, run the jobs, send alerts
    (on `alert_channels` when given, else on the channels the environment configures)."""
    options = options or RunOptions()
    say = progress or (lambda _line: None)
    selected = select(jobs, names) if names else None  # unknown names fail before any lock or work
    with runlog.run_lock(url, wait=wait):
        ensure_schema(url)
        reaped = runlog.reap_interrupted(url)
        if reaped:
            say(f"marked {reaped} execution(s) of an interrupted run as failed")
        selected = selected if selected is not None else due_jobs(url, jobs)
        if not selected:
            say("no job is due")
        report = run_jobs(url, selected, options, retry_delay=retry_delay, progress=say)
        if alerts:
            try:
                after_run(url, jobs, report, channels=alert_channels)
            except Exception as exc:  # an alerting problem must not turn a good run into a failed one
                say(f"alerts: {runlog.one_line(exc)}")
    return report


def due_jobs(url: str, jobs: list[JobConfig], now: datetime | None = None) -> list[JobConfig]:
    """Jobs whose schedule fired since their last completed run, and every job downstream of them."""
    now = now or clock.now()
    last = last_completed(url)
    due = {job.name for job in jobs if job.name not in last or job.previous_fire(now) > last[job.name]}
    wanted = downstream(jobs, due)
    return [job for job in jobs if job.name in wanted]


def last_completed(url: str) -> dict[str, datetime]:
    conn = connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("select job_name, max(start_time) from etl.executions where status = 'completed' group by 1")
            return dict(cur.fetchall())
    finally:
        conn.close()


def run_jobs(
    url: str,
    jobs: list[JobConfig],
    options: RunOptions,
    *,
    run_id: str | None = None,
    retry_delay: float = 10.0,
    progress: Progress | None = None,
) -> RunReport:
    """Run `jobs` (already in dependency order) one after the other; a failure skips its dependents."""
    report = RunReport(run_id or runlog.new_run_id())
    say = progress or (lambda _line: None)
    preload(job.module for job in jobs)
    root_failure: dict[str, str] = {}  # job that did not complete -> the failed job behind it
    for job in jobs:
        blocked = [dep for dep in job.dependencies if dep in root_failure]
        if blocked:
            outcome = skip(url, job, report.run_id, root_failure[blocked[0]])
        else:
            say(f"{job.name}: started")
            outcome = run_job(url, job, report.run_id, options, retry_delay=retry_delay, progress=say)
        if outcome.status != "completed":
            root_failure[job.name] = outcome.upstream or job.name
        say(summary_line(outcome))
        report.outcomes.append(outcome)
    return report


def summary_line(outcome: JobOutcome) -> str:
    if outcome.status == "completed":
        return (
            f"{outcome.name}: completed in {outcome.seconds:.1f}s, {outcome.records_processed} records"
            f" ({outcome.records_failed} failed), {outcome.attempts} attempt(s)"
        )
    if outcome.status == "skipped":
        return f"{outcome.name}: {outcome.error}"
    return f"{outcome.name}: failed: {outcome.error}"


def skip(url: str, job: JobConfig, run_id: str, upstream: str) -> JobOutcome:
    """Record a job that did not run because `upstream` failed (as failed: it did not do its work)."""
    message = f"skipped: upstream job {upstream!r} failed"
    execution = runlog.begin(url, job.name, run_id, {"skipped": True, "upstream": upstream})
    try:
        execution.log("WARNING", message, upstream=upstream)
        execution.finish("failed", message)
    finally:
        execution.conn.close()
    return JobOutcome(job.name, "skipped", error=message, execution_id=execution.id, upstream=upstream)


def plan_of(job: JobConfig) -> str | None:
    """The FMP plan the job's process runs under (its environment over ours), recorded so that status shows the
    plan the runs used rather than whatever FMP_PLAN says where status is read."""
    from fmp_elt.config import plan_from_env

    try:
        return plan_from_env({**os.environ, **job.environment}).name
    except ConfigError:
        return None  # the job fails on it, and says so


def run_job(
    url: str,
    job: JobConfig,
    run_id: str,
    options: RunOptions,
    *,
    retry_delay: float = 10.0,
    progress: Progress | None = None,
) -> JobOutcome:
    """All attempts of one job under one execution row: completed on the first success, else failed."""
    say = progress or (lambda _line: None)
    metadata = {"timeout": job.timeout, "options": options.describe(), "plan": plan_of(job)}
    execution = runlog.begin(url, job.name, run_id, metadata)
    started = time.monotonic()
    attempts: list[dict[str, Any]] = []
    result = AttemptResult(error="not run")
    try:
        for attempt in range(1, job.retry_count + 2):
            if attempt > 1:
                delay = min(retry_delay * 2 ** (attempt - 2), MAX_BACKOFF_SECONDS)
                execution.log("WARNING", f"attempt {attempt - 1} failed, retrying in {delay:g}s", delay=delay)
                say(f"{job.name}: attempt {attempt - 1} failed ({result.error}); retrying in {delay:g}s")
                time.sleep(delay)
            attempt_started = time.monotonic()
            spec = AttemptSpec(
                job, run_id, execution.id, url, attempt, options, os.getpid(), str(Path.cwd()), dict(os.environ)
            )
            result = run_attempt(spec)
            attempts.append(
                {"attempt": attempt, "seconds": round(time.monotonic() - attempt_started, 3), "error": result.error}
            )
            if result.error is None or not result.retryable:
                break
        execution.records_processed = result.records_processed
        execution.records_failed = result.records_failed
        execution.metadata.update(result.metadata)
        execution.metadata.update(attempts=attempts, retries=len(attempts) - 1)
        status: Literal["completed", "failed"] = "completed" if result.error is None else "failed"
        if status == "failed":
            execution.log("ERROR", f"{job.name} failed: {result.error}", attempts=len(attempts))
        execution.finish(status, result.error)
    except BaseException as exc:  # interrupted (Ctrl-C, SIGTERM): the row must not stay `running`
        execution.finish("failed", f"interrupted: {runlog.one_line(exc)}")
        raise
    finally:
        execution.conn.close()
    return JobOutcome(
        job.name,
        status,
        attempts=len(attempts),
        seconds=time.monotonic() - started,
        records_processed=result.records_processed,
        records_failed=result.records_failed,
        error=result.error,
        execution_id=execution.id,
    )


def run_attempt(spec: AttemptSpec) -> AttemptResult:
    """One attempt in a forked child process, killed (with its process group) when it overruns."""
    mp = multiprocessing.get_context("forkserver")
    receiver, sender = mp.Pipe(duplex=False)
    process = mp.Process(target=attempt_main, args=(spec, sender), name=f"fmp-elt-{spec.job.name}")
    process.start()
    sender.close()
    grace = 0.0  # timed out or interrupted: no waiting
    try:
        # poll, not join: a large result fills the pipe, and the child cannot exit before it is read
        if not receiver.poll(spec.job.timeout):
            return AttemptResult(error=f"timed out after {spec.job.timeout:g}s")
        try:
            result: AttemptResult = receiver.recv()
        except EOFError:
            process.join(EXIT_GRACE_SECONDS)
            return AttemptResult(error=f"the job process died (exit code {process.exitcode})")
        grace = EXIT_GRACE_SECONDS  # it reported: let it close its connections and exit
        return result
    finally:
        receiver.close()
        stop_process(process, grace)


def stop_process(process: multiprocessing.process.BaseProcess, grace: float) -> None:
    """Let the child exit within `grace`; else terminate its process group (dbt and friends too), then kill."""
    process.join(grace)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if not process.is_alive():
            break
        with contextlib.suppress(ProcessLookupError, PermissionError):
            pid = process.pid or 0
            if os.getpgid(pid) == pid:
                os.killpg(pid, sig)
            else:  # killed before it reached setsid: it is still in our group
                os.kill(pid, sig)
        process.join(EXIT_GRACE_SECONDS)
    process.close()


def attempt_main(spec: AttemptSpec, sender: Any) -> None:
    """Child process: run the job module's `run(ctx)` and send back an AttemptResult."""
    os.setsid()  # its own process group, so the runner can kill it together with its children
    signal.signal(signal.SIGTERM, exit_on_term)
    follow_runner(spec.runner)
    adopt({**spec.environ, **spec.job.environment}, spec.cwd)
    redact_log_records()  # the fork server started with logging's own record factory
    logging.getLogger("fmp_elt").setLevel(logging.INFO)
    execution = runlog.attach(spec.database_url, spec.execution_id, spec.run_id, spec.job.name)
    handler = runlog.ExecutionLogHandler(execution)
    logging.getLogger("fmp_elt").addHandler(handler)
    total = spec.job.retry_count + 1
    execution.log("INFO", f"{spec.job.name}: attempt {spec.attempt}/{total} started", attempt=spec.attempt)
    try:
        outcome = call_job(spec, execution)
    finally:
        logging.getLogger("fmp_elt").removeHandler(handler)
    outcome.records_processed = execution.records_processed
    outcome.records_failed = execution.records_failed
    # through JSON: what crosses the pipe and lands in etl.executions.metadata must be plain data
    outcome.metadata = json.loads(json.dumps({**execution.metadata, **outcome.metadata}, default=str))
    sender.send(outcome)
    sender.close()
    execution.conn.close()


def call_job(spec: AttemptSpec, execution: runlog.Execution) -> AttemptResult:
    ctx = JobContext(spec.job, spec.run_id, spec.database_url, execution, spec.attempt, spec.options)
    try:
        module = importlib.import_module(spec.job.module)
        result = module.run(ctx)
        if not isinstance(result, JobResult):
            raise TypeError(f"{spec.job.module}.run returned {type(result).__name__}, not JobResult")
    except Exception as exc:
        execution.log(
            "ERROR",
            f"attempt {spec.attempt} raised {runlog.one_line(exc)}",
            traceback=traceback.format_exc(limit=8),
        )
        return AttemptResult(error=runlog.one_line(exc), retryable=not isinstance(exc, ConfigError))
    if result.error is not None:
        execution.log("ERROR", f"attempt {spec.attempt} failed: {result.error}")
    return AttemptResult(error=result.error, retryable=result.retryable, metadata=dict(result.metadata))


def exit_on_term(_signum: int, _frame: Any) -> None:
    """SIGTERM as SystemExit, so that `finally` blocks run: children are stopped, executions recorded."""
    raise SystemExit(143)
