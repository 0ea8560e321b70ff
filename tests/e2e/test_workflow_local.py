"""The workflows' jobs, run here: every `run:` script of a job, as Actions runs it, against a real PostgreSQL and
the FMP simulator.

Actions cannot run on this machine, but our workflows hold no logic of their own: each step is an `fmp-elt`
command. So the scripts are taken from the YAML itself and run by bash the way the runner does (`bash -eo
pipefail`, $GITHUB_OUTPUT, $RUNNER_TEMP), with `${{ }}` values from the contexts a test gives. `uses:` steps
(checkout, setup-python, uploads, Pages) and the install step are what the machine already did; the paths the
uploads name are checked to exist.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg2
import pytest
import yaml

from fmp_elt import trading_calendar
from fmp_elt.job_config import load_jobs
from fmp_elt.orchestration.runner import due_jobs
from tests.fixtures.ops_alerts import slack_webhook
from tests.fixtures.ports import free_port
from tests.fixtures.postgres import query

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
LITERAL = re.compile(r"^'(.*)'$")
CONTEXT_PATH = re.compile(r"^[a-z_]+(\.[\w-]+)+$")
PIPELINE_JOBS = ("symbols", "prices", "ratios", "statements", "transform", "quality", "site")


@dataclass
class StepRun:
    name: str
    status: str  # ran, skipped (a `uses:` step, the install, or its condition)
    returncode: int | None = None
    output: str = ""
    outputs: dict[str, str] = field(default_factory=dict)


@dataclass
class LocalJob:
    """One job of a workflow, its scripts run here with the given contexts (secrets, vars, inputs, needs...)."""

    workflow: str
    job: str
    contexts: dict[str, Any]
    overrides: dict[str, str]  # what this machine has in place of the runner's (the warehouse, the ports)
    temp: Path
    sessions: list[int] = field(default_factory=list)

    @property
    def spec(self) -> dict[str, Any]:
        return yaml.safe_load((WORKFLOWS / self.workflow).read_text(encoding="utf-8"))

    def evaluate(self, expression: str) -> str:
        """The `${{ }}` forms our workflows use in values: `ctx.path` and `ctx.path || 'default'`."""
        for operand in (part.strip() for part in expression.split("||")):
            literal = LITERAL.match(operand)
            if literal:
                value: Any = literal.group(1)
            else:
                assert CONTEXT_PATH.match(operand), f"expression this test cannot evaluate: {expression!r}"
                value = self.contexts
                for key in operand.split("."):
                    value = value.get(key, "") if isinstance(value, dict) else ""
            if value not in ("", None, False):
                return str(value).lower() if isinstance(value, bool) else str(value)
        return "false" if value is False else ""

    def expand(self, text: Any) -> str:
        return EXPRESSION.sub(lambda m: self.evaluate(m.group(1)), str(text))

    def environment(self, *layers: dict[str, Any]) -> dict[str, str]:
        """This machine's environment, then the workflow's, the job's and the step's `env:`, then the overrides."""
        env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
        for layer in layers:
            env.update({key: self.expand(value) for key, value in layer.items()})
        env.update(self.overrides)
        env.update(
            RUNNER_TEMP=str(self.temp),
            GITHUB_WORKSPACE=str(ROOT),
            GITHUB_WORKFLOW=self.spec["name"],
            GITHUB_RUN_ID=str(self.contexts["github"]["run_id"]),
        )
        return env

    def run(self, only: tuple[str, ...] = ()) -> list[StepRun]:
        spec = self.spec
        job = spec["jobs"][self.job]
        layers = (spec.get("env", {}), job.get("env", {}))
        # the `env` context of steps without an `env:` of their own (the uploads' paths)
        self.contexts["env"] = {}
        for layer in layers:
            self.contexts["env"].update({key: self.expand(value) for key, value in layer.items()})
        self.contexts["env"].update(self.overrides)
        self.contexts["steps"] = {}
        results: list[StepRun] = []
        failed = False
        for number, step in enumerate(job["steps"]):
            name = step.get("name", step.get("id", f"step {number}"))
            condition = str(step.get("if", ""))
            wanted = (not only or step.get("id") in only) and "failure()" not in condition
            if failed and "cancelled()" not in condition and "always()" not in condition:
                wanted = False
            if "run" not in step or "pip install" in step["run"] or not wanted:
                results.append(StepRun(name, "skipped"))
                continue
            result = self.run_script(name, step["run"], self.environment(*layers, step.get("env", {})))
            failed = failed or result.returncode != 0
            if "id" in step:
                outcome = "success" if result.returncode == 0 else "failure"
                self.contexts["steps"][step["id"]] = {"outputs": result.outputs, "outcome": outcome}
            results.append(result)
        return results

    def run_script(self, name: str, script: str, env: dict[str, str]) -> StepRun:
        output_file = self.temp / f"github-output-{len(self.sessions)}"
        output_file.touch()
        script_file = self.temp / f"step-{len(self.sessions)}.sh"
        script_file.write_text(script, encoding="utf-8")
        # Actions' own shell line for `run:`; a session of its own so what the step leaves running can be stopped
        process = subprocess.Popen(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script_file)],
            cwd=ROOT,
            env={**env, "GITHUB_OUTPUT": str(output_file)},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.sessions.append(process.pid)
        output, _ = process.communicate(timeout=900)
        outputs = dict(
            line.split("=", 1) for line in output_file.read_text(encoding="utf-8").splitlines() if "=" in line
        )
        return StepRun(name, "ran", process.returncode, output, outputs)

    def upload_paths(self, step_id_or_name: str) -> list[str]:
        """The `path:` lines of a `uses:` step, expanded."""
        for step in self.spec["jobs"][self.job]["steps"]:
            if step_id_or_name in (step.get("id"), step.get("name")):
                return [self.expand(line.strip()) for line in step["with"]["path"].splitlines() if line.strip()]
        raise AssertionError(f"no step {step_id_or_name!r}")

    def stop(self) -> None:
        for session in self.sessions:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(session, signal.SIGTERM)


@pytest.fixture
def local_jobs(tmp_path: Path) -> Iterator[list[LocalJob]]:
    started: list[LocalJob] = []
    yield started
    for job in started:
        job.stop()


def make_job(
    local_jobs: list[LocalJob], tmp_path: Path, workflow: str, job: str, overrides: dict[str, str], **contexts: Any
) -> LocalJob:
    temp = tmp_path / f"runner-{workflow}-{job}-{len(local_jobs)}"
    temp.mkdir()
    base: dict[str, Any] = {"github": {"workspace": str(tmp_path / "workspace"), "run_id": "4242"}}
    base.update({"secrets": {}, "vars": {}, "inputs": {}, "needs": {}, **contexts})
    local = LocalJob(workflow, job, base, overrides, temp)
    local_jobs.append(local)
    return local


def assert_green(results: list[StepRun]) -> None:
    for result in results:
        assert result.returncode in (None, 0), f"step {result.name!r} failed:\n{result.output[-4000:]}"


def ran(results: list[StepRun]) -> list[str]:
    return [result.name for result in results if result.status == "ran"]


def assert_marts_loaded(url: str) -> None:
    """Every symbol of the universe (the screener's common stocks) priced, averaged, and with ratios."""
    counts = dict(
        query(
            url,
            "select 'symbols', count(distinct symbol) from marts.symbols union all"
            " select 'daily_prices', count(distinct symbol) from marts.daily_prices union all"
            " select 'daily_ma', count(*) filter (where sma_200 is not null) from marts.daily_ma union all"
            " select 'ratios', count(distinct symbol) from marts.ratios",
        )
    )
    assert counts["symbols"] >= 1
    assert counts["daily_prices"] == counts["symbols"]
    assert counts["daily_ma"] > 0  # long enough history for the widest window
    assert counts["ratios"] >= 1


def assert_uploads_exist(job: LocalJob, step: str) -> None:
    for pattern in job.upload_paths(step):
        assert list(Path("/").glob(pattern.strip("/"))), f"{step}: nothing at {pattern}"


def latest_statuses(url: str) -> dict[str, str]:
    return dict(
        query(
            url,
            "select distinct on (job_name) job_name, status from etl.executions order by job_name, start_time desc",
        )
    )


# ---- ci.yml ---------------------------------------------------------------------------------------------------


def test_ci_dbt_job_loads_the_warehouse_from_the_simulator_and_builds_it(
    database_url: str, tmp_path: Path, local_jobs: list[LocalJob]
) -> None:
    port = free_port()
    job = make_job(
        local_jobs,
        tmp_path,
        "ci.yml",
        "dbt",
        # the service container's place is taken by a fresh test database; the simulator gets a free port
        {"DATABASE_URL": database_url, "SIMULATOR_PORT": str(port), "FMP_BASE_URL": f"http://127.0.0.1:{port}/stable"},
    )
    results = job.run()
    assert_green(results)
    assert ran(results) == [
        "Start the FMP simulator (fmp-elt simulate)",
        "Fetch the production dbt manifest",
        "Run the pipeline (fmp-elt run)",
        "dbt build with the unit tests (fmp-elt transform --unit-tests --state)",
        "Build the site (fmp-elt site)",
        "Show the status (fmp-elt status)",
    ]
    assert_marts_loaded(database_url)
    assert latest_statuses(database_url) == dict.fromkeys(PIPELINE_JOBS, "completed")
    assert (job.temp / "site" / "index.html").is_file()
    assert_uploads_exist(job, "Upload dbt artifacts and logs")


def test_ci_test_job_runs_the_readme_test_command() -> None:
    ci = yaml.safe_load((WORKFLOWS / "ci.yml").read_text(encoding="utf-8"))
    scripts = [step["run"] for step in ci["jobs"]["test"]["steps"] if "run" in step]
    assert scripts == ["bash tests/run.sh -q"]
    assert "bash tests/run.sh" in (ROOT / "README.md").read_text(encoding="utf-8")
    assert "bash tests/run.sh -q" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


# ---- elt.yml --------------------------------------------------------------------------------------------------


def elt_pipeline(
    local_jobs: list[LocalJob],
    tmp_path: Path,
    url: str,
    base_url: str,
    inputs: dict[str, Any] | None = None,
    variables: dict[str, str] | None = None,
) -> LocalJob:
    return make_job(
        local_jobs,
        tmp_path,
        "elt.yml",
        "pipeline",
        # the workflow talks to FMP itself; here FMP_BASE_URL points at the simulator, as a developer's would
        {"FMP_BASE_URL": base_url, "FMP_ELT_HOME": str(tmp_path / "home")},
        secrets={"DATABASE_URL": url, "FMP_API_KEY": "test-key"},
        inputs=inputs or {},
        vars=variables or {},
    )


def test_elt_scheduled_run_loads_the_marts_and_builds_the_site_and_the_artifacts(
    database_url: str, make_simulator: Any, tmp_path: Path, local_jobs: list[LocalJob]
) -> None:
    simulator = make_simulator(n_symbols=4, start=date(2023, 1, 3), end=trading_calendar.latest_session())
    job = elt_pipeline(local_jobs, tmp_path, database_url, simulator.base_url)
    results = job.run()
    assert_green(results)
    assert ran(results) == [
        "Run the due jobs (fmp-elt run)",
        "Build the site (fmp-elt site)",
        "Export the run log (fmp-elt logs)",
    ]
    assert job.contexts["steps"]["pipeline"]["outputs"] == {"exit-code": "0"}
    assert_marts_loaded(database_url)
    assert latest_statuses(database_url) == dict.fromkeys(PIPELINE_JOBS, "completed")
    # what the upload steps take: dbt's artifacts and logs, the run log, and the site with its three parts
    assert_uploads_exist(job, "Upload dbt artifacts and logs")
    (site,) = job.upload_paths("pages")
    index = (Path(site) / "index.html").read_text(encoding="utf-8")
    for section in ("dashboard", "dbt", "quality"):
        assert f'id="link-{section}"' in index, section
    run_log = (tmp_path / "home" / "run-log.txt").read_text(encoding="utf-8")
    assert "quality" in run_log
    assert "test-key" not in run_log


def test_elt_dispatch_inputs_become_the_backfill_options(
    database_url: str, make_simulator: Any, tmp_path: Path, local_jobs: list[LocalJob]
) -> None:
    simulator = make_simulator(n_symbols=3, start=date(2023, 1, 3), end=trading_calendar.latest_session())
    inputs = {"jobs": "symbols,prices", "symbols": "", "from": "2024-01-02", "to": "2024-03-28", "full_refresh": True}
    job = elt_pipeline(local_jobs, tmp_path, database_url, simulator.base_url, inputs)
    assert_green(job.run(only=("pipeline",)))
    assert latest_statuses(database_url) == {"symbols": "completed", "prices": "completed"}
    first, last = query(
        database_url, "select min((payload->>'date')::date), max((payload->>'date')::date) from raw.fmp_prices"
    )[0]
    assert first >= date(2024, 1, 2)
    assert last <= date(2024, 3, 28)


def test_elt_bad_dispatch_input_fails_the_run_step_with_exit_code_2(
    database_url: str, tmp_path: Path, local_jobs: list[LocalJob]
) -> None:
    inputs = {"jobs": "prices", "from": "2024-03-01", "to": "2024-01-01", "full_refresh": False}
    job = elt_pipeline(local_jobs, tmp_path, database_url, "http://127.0.0.1:9/stable", inputs)
    (result,) = [r for r in job.run(only=("pipeline",)) if r.status == "ran"]
    assert result.returncode == 2
    assert result.outputs == {"exit-code": "2"}  # so the alert job speaks up: `fmp-elt run` did not
    assert "--from 2024-03-01 is after --to 2024-01-01" in result.output


def test_elt_staging_dispatch_loads_only_the_staging_symbols(
    database_url: str, make_simulator: Any, tmp_path: Path, local_jobs: list[LocalJob]
) -> None:
    simulator = make_simulator(n_symbols=5, start=date(2024, 1, 2), end=trading_calendar.latest_session())
    few = simulator.symbols[:2]
    inputs = {"jobs": "symbols,prices,transform", "environment": "staging", "full_refresh": False}
    job = elt_pipeline(
        local_jobs, tmp_path, database_url, simulator.base_url, inputs, variables={"FMP_SYMBOLS": ",".join(few)}
    )
    assert_green(job.run(only=("pipeline",)))
    priced = {row[0] for row in query(database_url, "select distinct symbol from marts.daily_prices")}
    assert priced == set(few)


def test_elt_staging_dispatch_without_its_symbol_list_does_not_start(
    database_url: str, tmp_path: Path, local_jobs: list[LocalJob]
) -> None:
    inputs = {"environment": "staging", "full_refresh": False}
    job = elt_pipeline(local_jobs, tmp_path, database_url, "http://127.0.0.1:9/stable", inputs)
    (result,) = [r for r in job.run(only=("pipeline",)) if r.status == "ran"]
    assert result.returncode != 0
    assert "set the FMP_SYMBOLS variable of the staging environment" in result.output
    assert query(database_url, "select count(*) from etl.executions") == [(0,)]


def test_only_production_publishes_the_site_and_the_manifest() -> None:
    elt = yaml.safe_load((WORKFLOWS / "elt.yml").read_text(encoding="utf-8"))
    pipeline = elt["jobs"]["pipeline"]
    assert pipeline["environment"] == "${{ inputs.environment || 'warehouse' }}"
    assert elt["jobs"]["alert"]["environment"] == pipeline["environment"]  # the same environment's channels
    uploads = [step for step in pipeline["steps"] if "upload" in step.get("uses", "")]
    publishing = {step["name"]: step["if"] for step in uploads if step["with"].get("name") != "dbt-artifacts-and-logs"}
    assert len(publishing) == 2
    assert all("env.ELT_ENVIRONMENT == 'warehouse'" in condition for condition in publishing.values())


def test_elt_run_step_refuses_to_start_without_the_warehouse_secret(tmp_path: Path, local_jobs: list[LocalJob]) -> None:
    job = elt_pipeline(local_jobs, tmp_path, "", "http://127.0.0.1:9/stable")
    (result,) = [r for r in job.run(only=("pipeline",)) if r.status == "ran"]
    assert result.returncode != 0
    assert "set the DATABASE_URL secret" in result.output
    assert result.outputs == {}


def test_elt_alert_job_sends_one_message_with_what_failed(tmp_path: Path, local_jobs: list[LocalJob]) -> None:
    with slack_webhook() as inbox:
        job = make_job(
            local_jobs,
            tmp_path,
            "elt.yml",
            "alert",
            {},
            secrets={"SLACK_WEBHOOK_URL": inbox.url},
            needs={
                "pipeline": {"result": "failure", "outputs": {"run-exit-code": "2"}},
                "deploy": {"result": "skipped"},
            },
            github={"workspace": str(tmp_path), "run_id": "4242"},
        )
        results = job.run()
    assert_green(results)
    assert ran(results) == ["Send the alert (fmp-elt alert)"]
    (message,) = inbox.messages
    assert message["text"] == "fmp-elt job failed: workflow elt"
    body = message["blocks"][1]["text"]["text"]
    assert "pipeline job: failure (fmp-elt run exit code: 2), publishing: skipped" in body


def alert(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    quiet = {k: v for k, v in os.environ.items() if k not in ("SLACK_WEBHOOK_URL", "SMTP_HOST", "GITHUB_RUN_ID")}
    return subprocess.run(
        [str(Path(sys.executable).with_name("fmp-elt")), "alert", *args],
        env={**quiet, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_alert_without_a_channel_says_so_and_succeeds() -> None:
    result = alert("workflow elt")
    assert result.returncode == 0
    assert "no alert channel is configured" in result.stderr


def test_alert_that_no_channel_took_fails_the_step() -> None:
    with slack_webhook() as inbox:
        inbox.status = 500
        result = alert("workflow elt", "--detail", "publishing: failure", SLACK_WEBHOOK_URL=inbox.url)
    assert result.returncode == 1
    assert "no channel took the alert" in result.stderr
    assert inbox.url not in result.stdout + result.stderr  # the webhook URL is the secret


def completed(url: str, names: list[str], at: datetime) -> None:
    conn = psycopg2.connect(url)
    with conn, conn.cursor() as cur:
        for name in names:
            cur.execute(
                "insert into etl.executions (id, run_id, job_name, start_time, end_time, status)"
                " values (gen_random_uuid(), gen_random_uuid(), %s, %s, %s, 'completed')",
                (name, at, at + timedelta(minutes=5)),
            )
    conn.close()


def test_both_triggers_run_the_jobs_that_are_due(database_url: str) -> None:
    """The two cron triggers run the same `fmp-elt run`: Saturday's starts ratios, statements and their dependents,
    a weekday's the daily jobs."""
    jobs = load_jobs()
    completed(database_url, [job.name for job in jobs], datetime(2026, 3, 6, 22, 20, tzinfo=UTC))  # a Friday
    saturday = datetime(2026, 3, 7, 9, 38, tzinfo=UTC)
    weekly = ["ratios", "statements", "transform", "quality"]
    assert [job.name for job in due_jobs(database_url, jobs, saturday)] == weekly
    completed(database_url, weekly, saturday)
    monday = datetime(2026, 3, 9, 22, 18, tzinfo=UTC)
    due = [job.name for job in due_jobs(database_url, jobs, monday)]
    assert due == ["symbols", "prices", "transform", "quality", "site"]
