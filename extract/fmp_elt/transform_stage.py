"""Run dbt against the warehouse: the same connection as every other command, telemetry off.

dbt runs in this process, through its programmatic entry point (`dbtRunner`), so that a process pays dbt's import
(seconds of CPU) once, however many times it builds. Each call still sees only an environment built here: the
connection parts of the warehouse URL in the variables `dbt_project/profiles.yml` reads, and none of our own
secrets (the FMP key, DATABASE_URL, webhooks). The password goes in a `DBT_ENV_SECRET_` variable, which dbt
scrubs from its logs. dbt reads its settings from `os.environ` and keeps its flags, event loggers, adapters and
deprecation counts in module globals, so a call swaps the process environment for dbt's and restores it exactly
afterwards, runs in the home's dbt folder and returns to the caller's directory, captures dbt's console, closes
dbt's loggers, and holds a lock: one dbt call at a time per process, and no other thread should need our secrets
from the environment while it runs. What isolates a job's run and lets it be killed is the job runner's child
process (a timeout ends its whole process group), not a process per dbt call.

The project itself is read-only (inside the installed package, or the checkout's `dbt_project/`): dbt's
target, logs and working directory are under FMP_ELT_HOME, and with telemetry off dbt writes no `.user.yml`
beside profiles.yml. There are no dbt packages, so nothing ever installs into the project's `dbt_packages/`.
"""

from __future__ import annotations

import contextlib
import contextvars
import io
import json
import logging
import os
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from fmp_elt import bundled
from fmp_elt.warehouse.connection import connection_parts

PASSWORD_VAR = "DBT_ENV_SECRET_FMP_ELT_DB_PASSWORD"  # noqa: S105 - the variable name, not a password

# Never handed to dbt: it needs none of them, and what it is not given it cannot log.
_WITHHELD = (
    "FMP_API_KEY",
    "DATABASE_URL",
    "TEST_DATABASE_URL",
    "SLACK_WEBHOOK_URL",
    "SMTP_PASSWORD",
    "ETL_API_TOKEN",
    "PGPASSWORD",
)
_TELEMETRY_OFF = {"DO_NOT_TRACK": "1", "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}

# dbt's invocation state is process-global: one call at a time
_DBT_LOCK = threading.Lock()
# the Python loggers dbt's event manager writes its console and dbt.log through
_DBT_LOGGERS = ("stdout_log", "file_log")


@dataclass(frozen=True)
class DbtPaths:
    """Where dbt writes its artifacts and logs: per warehouse home, so two projects never share them."""

    target: Path
    logs: Path

    @classmethod
    def under(cls, home: Path) -> DbtPaths:
        return cls(target=home / "dbt" / "target", logs=home / "dbt" / "logs")

    @property
    def workdir(self) -> Path:
        """dbt's working directory: anything it writes relative to it lands beside target/ and logs/."""
        return self.target.parent

    @property
    def static_docs(self) -> Path:
        """The single-file docs site `dbt docs generate --static` writes."""
        return self.target / "static_index.html"


@dataclass(frozen=True)
class NodeResult:
    """One node of run_results.json: a model, a data test, a unit test, ..."""

    unique_id: str
    resource_type: str
    status: str  # success, error, skipped, pass, fail, warn, ...
    seconds: float
    message: str | None
    failures: int | None
    rows_affected: int | None
    # when dbt began compiling the node and finished executing it (None when it did not run)
    started_at: datetime | None = None
    completed_at: datetime | None = None

    @property
    def name(self) -> str:
        return self.unique_id.split(".", 2)[-1]

    @property
    def failed(self) -> bool:
        return self.status in ("error", "fail", "runtime error")


@dataclass
class DbtResult:
    """What one dbt invocation did."""

    command: list[str]
    returncode: int
    seconds: float
    output: str
    nodes: list[NodeResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def counts(self) -> dict[str, Counter[str]]:
        """status counts per resource type, e.g. {"model": {"success": 4}, "test": {"pass": 80, "warn": 1}}."""
        counts: dict[str, Counter[str]] = {}
        for node in self.nodes:
            counts.setdefault(node.resource_type, Counter())[node.status] += 1
        return counts

    def problems(self) -> list[NodeResult]:
        """Nodes that failed, errored or warned, in run order."""
        return [node for node in self.nodes if node.failed or node.status == "warn"]

    def summary(self) -> str:
        """One line: what ran, how it ended, how long it took."""
        parts = []
        for resource_type, statuses in sorted(self.counts().items()):
            detail = ", ".join(f"{n} {status}" for status, n in sorted(statuses.items()))
            parts.append(f"{resource_type}s: {detail}")
        verdict = "ok" if self.ok else f"FAILED (exit {self.returncode})"
        what = "; ".join(parts) or "nothing ran"
        return f"dbt {self.command[0]} {verdict} in {self.seconds:.1f}s - {what}"

    def metadata(self) -> dict[str, Any]:
        """JSON-ready facts for the run log."""
        return {
            "command": " ".join(self.command),
            "ok": self.ok,
            "seconds": round(self.seconds, 2),
            "counts": {kind: dict(statuses) for kind, statuses in self.counts().items()},
            "rowsAffected": {
                node.name: node.rows_affected
                for node in self.nodes
                if node.resource_type == "model" and node.rows_affected is not None
            },
            "problems": [
                {"node": node.name, "status": node.status, "message": node.message} for node in self.problems()
            ],
        }


def dbt_env(url: str, base: Mapping[str, str] | None = None, paths: DbtPaths | None = None) -> dict[str, str]:
    """The environment dbt runs in: ours minus our secrets, plus the warehouse connection and telemetry off.

    With `paths`, dbt's target and log folders too, so that dbt run by hand in this environment writes there
    rather than into the project.
    """
    base = os.environ if base is None else base
    env = {key: value for key, value in base.items() if key not in _WITHHELD}
    parts = connection_parts(url)
    project = bundled.dbt_project_dir()
    env.update(
        {
            "FMP_ELT_DB_HOST": parts["host"],
            "FMP_ELT_DB_PORT": parts["port"],
            "FMP_ELT_DB_USER": parts["user"],
            "FMP_ELT_DB_NAME": parts["dbname"],
            PASSWORD_VAR: parts["password"],
            "DBT_PROFILES_DIR": str(project),
            "DBT_PROJECT_DIR": str(project),
            **_TELEMETRY_OFF,
        }
    )
    if paths is not None:
        env.update({"DBT_TARGET_PATH": str(paths.target), "DBT_LOG_PATH": str(paths.logs)})
    return env


def run_dbt(args: Sequence[str], url: str, paths: DbtPaths, *, echo: bool = False) -> DbtResult:
    """Run `dbt <args>` against the warehouse at `url`; never raises for a failed build (read `.ok`).

    The return code is the one dbt's command line exits with: 0 ok, 1 a node failed, 2 dbt itself failed (a bad
    argument, a broken project, no database). dbt's console goes into `.output`, or to our stdout with `echo`.
    """
    project = bundled.dbt_project_dir()
    paths.target.mkdir(parents=True, exist_ok=True)
    paths.logs.mkdir(parents=True, exist_ok=True)
    # `source freshness` reports in sources.json, every other command in run_results.json
    results_file = paths.target / ("sources.json" if list(args[:2]) == ["source", "freshness"] else "run_results.json")
    results_file.unlink(missing_ok=True)
    command = [
        *args,
        "--project-dir",
        str(project),
        "--profiles-dir",
        str(project),
        "--target-path",
        str(paths.target),
        "--log-path",
        str(paths.logs),
    ]
    env = dbt_env(url, paths=paths)
    started = time.monotonic()
    with _DBT_LOCK:
        returncode, output = _invoke(command, env, paths.workdir, echo=echo)
    return DbtResult(
        command=list(args),
        returncode=returncode,
        seconds=time.monotonic() - started,
        output=output,
        nodes=read_run_results(results_file),
    )


def _invoke(command: list[str], env: dict[str, str], workdir: Path, *, echo: bool) -> tuple[int, str]:
    """One dbt invocation in this process, leaving the process as it found it; (return code, console output)."""
    # imported here: seconds of CPU that commands which never run dbt do not pay
    from dbt.cli.main import dbtRunner
    from dbt.deprecations import reset_deprecations
    from dbt.flags import get_flags, set_flags

    console = io.StringIO()
    flags = get_flags()
    with contextlib.ExitStack() as restore:
        restore.enter_context(_environment(env))
        restore.enter_context(contextlib.chdir(workdir))
        restore.callback(set_flags, flags)
        restore.callback(_release_dbt_loggers)
        if not echo:  # stderr too, as the command line's 2>&1 did
            restore.enter_context(contextlib.redirect_stdout(console))
            restore.enter_context(contextlib.redirect_stderr(console))
        # dbt shows a deprecation once per process and sums them up at the end: per call, as its command line does
        reset_deprecations()
        # a context of its own: dbt's invocation context (its copy of the environment) stays out of the caller's
        outcome = contextvars.Context().run(dbtRunner().invoke, command)
    if isinstance(outcome.exception, KeyboardInterrupt):
        raise outcome.exception
    output = console.getvalue()
    if outcome.exception is not None and str(outcome.exception) not in output:
        # a usage error, which dbt's command line prints itself and its runner only returns
        line = f"{type(outcome.exception).__name__}: {outcome.exception}\n"
        line = line.replace(env[PASSWORD_VAR], "*****") if env[PASSWORD_VAR] else line
        output += line
        if echo:
            sys.stdout.write(line)
    return (0 if outcome.success else 1 if outcome.exception is None else 2), output


@contextlib.contextmanager
def _environment(env: Mapping[str, str]) -> Iterator[None]:
    """`os.environ` is `env` inside the block, and exactly what it was after it, however the block ends."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _release_dbt_loggers() -> None:
    """Close the handlers dbt left on its loggers (dbt.log stays open, the console points at our capture) and
    detach them from dbt's event manager; the next call sets up its own."""
    from dbt_common.events.event_manager_client import cleanup_event_logger

    cleanup_event_logger()
    for name in _DBT_LOGGERS:
        logger = logging.getLogger(name)
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
            handler.close()


def read_run_results(path: Path) -> list[NodeResult]:
    """The per-node results dbt wrote (empty when it stopped before running anything).

    run_results.json and sources.json share the fields read here.
    """
    if not path.is_file():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    nodes = []
    for item in data.get("results", []):
        unique_id = item.get("unique_id", "")
        adapter = item.get("adapter_response") or {}
        nodes.append(
            NodeResult(
                unique_id=unique_id,
                resource_type=unique_id.split(".", 1)[0],
                status=str(item.get("status")),
                seconds=float(item.get("execution_time") or 0.0),
                message=item.get("message"),
                failures=item.get("failures"),
                rows_affected=adapter.get("rows_affected"),
                started_at=_timestamp(item, 0, "started_at"),
                completed_at=_timestamp(item, -1, "completed_at"),
            )
        )
    return nodes


def _timestamp(item: Mapping[str, Any], step: int, key: str) -> datetime | None:
    """A time from a result's `timing` steps (compile, execute), in ISO 8601 as dbt writes it."""
    steps = item.get("timing") or []
    value = steps[step].get(key) if steps else None
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


MODIFIED = "state:modified+"


def has_manifest(state: Path | None) -> bool:
    """Whether `state` holds a manifest to compare with (a first CI run, before any production run, has none)."""
    return state is not None and (state / "manifest.json").is_file()


def build_args(
    *,
    select: Sequence[str] = (),
    exclude: Sequence[str] = (),
    full_refresh: bool = False,
    unit_tests: bool = False,
    data_tests: bool = True,
    dbt_vars: Mapping[str, Any] | None = None,
    state: Path | None = None,
) -> list[str]:
    """Arguments of `dbt build`.

    Unit tests are left out unless asked for: they test our SQL, not the data, and belong in CI (the test
    suite runs them); a production run on a fresh warehouse has nothing for them to compare against.
    Without `data_tests`, only the models and the seed are built: the data is then not tested, so a run
    left that way must say so (the demo's replayed days, whose last run tests everything).
    With a `state` folder holding another run's manifest, only what differs from it and what depends on that is
    built (`state:modified+`, unless `select` says otherwise), and refs to unselected models that this warehouse
    lacks resolve to the relations that manifest names (`--defer`). Without a manifest there: everything.
    """
    args = ["build"]
    if has_manifest(state):
        select = select or (MODIFIED,)
        args += ["--defer", "--state", str(state)]
    if select:
        args += ["--select", *select]
    if exclude:
        args += ["--exclude", *exclude]
    left_out = [kind for kind, wanted in (("unit_test", unit_tests), ("test", data_tests)) if not wanted]
    if left_out:
        args += ["--exclude-resource-type", *left_out]
    if full_refresh:
        args.append("--full-refresh")
    if dbt_vars:
        args += ["--vars", json.dumps(dict(dbt_vars))]
    return args


def build(
    url: str,
    paths: DbtPaths,
    *,
    select: Sequence[str] = (),
    exclude: Sequence[str] = (),
    full_refresh: bool = False,
    unit_tests: bool = False,
    data_tests: bool = True,
    dbt_vars: Mapping[str, Any] | None = None,
    state: Path | None = None,
    echo: bool = False,
) -> DbtResult:
    """`dbt build`: staging views, marts and their data tests, in dependency order."""
    args = build_args(
        select=select,
        exclude=exclude,
        full_refresh=full_refresh,
        unit_tests=unit_tests,
        data_tests=data_tests,
        dbt_vars=dbt_vars,
        state=state,
    )
    return run_dbt(args, url, paths, echo=echo)


def source_freshness(url: str, paths: DbtPaths) -> DbtResult:
    """`dbt source freshness`: per raw table pass, warn or error against the `_loaded_at` thresholds of
    _fmp__sources.yml (exit code 1 only when one is past `error_after`)."""
    return run_dbt(["source", "freshness"], url, paths)


def generate_docs(url: str, paths: DbtPaths, *, echo: bool = False) -> DbtResult:
    """`dbt docs generate --static`: one self-contained HTML file at `paths.static_docs`."""
    return run_dbt(["docs", "generate", "--static"], url, paths, echo=echo)
