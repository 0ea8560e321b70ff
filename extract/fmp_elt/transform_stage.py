"""Run dbt against the warehouse: the same connection as every other command, telemetry off.

dbt runs in a child process (its own entry point, this interpreter) with an environment built here: the
connection parts of the warehouse URL in the variables `dbt_project/profiles.yml` reads, and none of our own
secrets (the FMP key, DATABASE_URL, webhooks). The password goes in a `DBT_ENV_SECRET_` variable, which dbt
scrubs from its logs. A child process keeps dbt's global logging and flags out of ours and lets the job runner
kill it cleanly.

The project itself is read-only (inside the installed package, or the checkout's `dbt_project/`): dbt's
target, logs and working directory are under FMP_ELT_HOME, and with telemetry off dbt writes no `.user.yml`
beside profiles.yml. There are no dbt packages, so nothing ever installs into the project's `dbt_packages/`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from fmp_elt import bundled
from fmp_elt.warehouse.connection import connection_parts

# dbt's own console script, run by this interpreter (so the same environment) without needing it on PATH.
DBT_MAIN = "import sys; from dbt.cli.main import cli; sys.argv[0] = 'dbt'; sys.exit(cli())"
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


def run_dbt(
    args: Sequence[str],
    url: str,
    paths: DbtPaths,
    *,
    timeout: float | None = None,
    echo: bool = False,
) -> DbtResult:
    """Run `dbt <args>` against the warehouse at `url`; never raises for a failed build (read `.ok`)."""
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
    started = time.monotonic()
    completed = subprocess.run(
        [sys.executable, "-c", DBT_MAIN, *command],
        env=dbt_env(url, paths=paths),
        cwd=paths.workdir,
        stdout=None if echo else subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
        check=False,
    )
    return DbtResult(
        command=list(args),
        returncode=completed.returncode,
        seconds=time.monotonic() - started,
        output=completed.stdout or "",
        nodes=read_run_results(results_file),
    )


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
    timeout: float | None = None,
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
    return run_dbt(args, url, paths, timeout=timeout, echo=echo)


def source_freshness(url: str, paths: DbtPaths, *, timeout: float | None = None) -> DbtResult:
    """`dbt source freshness`: per raw table pass, warn or error against the `_loaded_at` thresholds of
    _fmp__sources.yml (exit code 1 only when one is past `error_after`)."""
    return run_dbt(["source", "freshness"], url, paths, timeout=timeout)


def generate_docs(url: str, paths: DbtPaths, *, timeout: float | None = None, echo: bool = False) -> DbtResult:
    """`dbt docs generate --static`: one self-contained HTML file at `paths.static_docs`."""
    return run_dbt(["docs", "generate", "--static"], url, paths, timeout=timeout, echo=echo)
