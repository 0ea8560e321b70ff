"""The GitHub Actions workflows pass three linters with no finding, offline, and keep our own rules.

- actionlint (with shellcheck on every `run:` script): syntax, expressions, contexts, shell mistakes;
- zizmor, as its strictest persona: security (injection, credentials, permissions, pinning);
- check-jsonschema against the published workflow schema;
and the house rules: actions pinned to a full commit with its version beside it, no expression inside a script
(secrets and inputs reach scripts only through `env:`), least privilege, checkouts without stored credentials.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
DEPENDABOT = ROOT / ".github" / "dependabot.yml"
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+){0,2}$")


def lint(*command: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in command], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def actionlint(*files: Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    # shellcheck by its path, so a missing one is an error rather than a silently skipped rule
    return lint(BIN / "actionlint", "-no-color", f"-shellcheck={BIN / 'shellcheck'}", "-pyflakes=", *files, cwd=cwd)


def load(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def test_the_workflows_are_there() -> None:
    assert [path.name for path in WORKFLOWS] == ["ci.yml", "elt.yml", "lock-refresh.yml", "release.yml"]


def test_actionlint_with_shellcheck_finds_nothing() -> None:
    result = actionlint(*WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


def test_actionlint_really_runs_shellcheck(tmp_path: Path) -> None:
    # otherwise "no finding" above could mean "shellcheck never ran"
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    bad = workflows / "bad.yml"
    bad.write_text(
        "on: push\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo $HOME\n"
    )
    result = actionlint(bad, cwd=tmp_path)
    assert result.returncode == 1
    assert "SC2086" in result.stdout


def test_zizmor_offline_finds_nothing() -> None:
    result = lint(BIN / "zizmor", "--offline", "--no-progress", "--persona=auditor", *WORKFLOWS, DEPENDABOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout
    assert "suppressed" not in result.stdout  # the strictest persona hides nothing


def test_the_workflows_match_the_github_workflow_schema() -> None:
    result = lint(BIN / "check-jsonschema", "--builtin-schema", "vendor.github-workflows", *WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok -- validation done" in result.stdout


def test_the_dependabot_config_matches_its_schema() -> None:
    # dependabot keeps the pinned commits below current
    result = lint(BIN / "check-jsonschema", "--builtin-schema", "vendor.dependabot", DEPENDABOT)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_action_is_pinned_to_a_commit_with_its_version(path: Path) -> None:
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if "uses:" in line]
    assert lines
    for line in lines:
        reference = line.split("uses:", 1)[1].strip()
        assert PINNED.match(reference), line


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_scripts_get_secrets_and_inputs_only_through_env(path: Path) -> None:
    for step in steps(load(path)):
        assert "${{" not in step.get("run", ""), step.get("name")


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_permissions_are_granted_per_job_and_checkouts_keep_no_credentials(path: Path) -> None:
    workflow = load(path)
    assert workflow["permissions"] == {}
    for name, job in workflow["jobs"].items():
        assert "permissions" in job, name
        writes = {scope for scope, level in job["permissions"].items() if level == "write"}
        # publishing the site; proposing a refreshed lock as a pull request and running CI on it; publishing a
        # release, the one write to the repository's contents, in its own job with no checkout
        allowed = {"pages", "id-token"}
        if path.name == "lock-refresh.yml":
            allowed = {"contents", "pull-requests", "actions"}
        elif (path.name, name) == ("release.yml", "release"):
            allowed |= {"contents"}
        assert writes <= allowed, name
    for step in steps(workflow):
        if step.get("uses", "").startswith("actions/checkout@"):
            assert step["with"]["persist-credentials"] is False


def test_the_scheduled_workflow_never_overlaps_itself() -> None:
    concurrency = load(ROOT / ".github" / "workflows" / "elt.yml")["concurrency"]
    assert "${{" not in concurrency["group"]  # one group for every trigger: one warehouse
    assert concurrency["cancel-in-progress"] is False  # a load is never cut halfway
