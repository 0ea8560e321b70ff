"""The versions we claim are the versions CI tests: every Python of pyproject.toml's classifiers, from its
requires-python up, runs the suite; elt.yml runs one of them, the same one CI's other jobs use; and the dbt job
covers every PostgreSQL from the oldest the README supports to the embedded server's."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
CLASSIFIER = re.compile(r"^Programming Language :: Python :: (3\.\d+)$")


def workflow(name: str) -> dict[str, Any]:
    return yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))


def project() -> dict[str, Any]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def claimed_pythons() -> list[str]:
    found = [m.group(1) for c in project()["classifiers"] if (m := CLASSIFIER.match(c))]
    return sorted(found, key=lambda v: tuple(map(int, v.split("."))))


def setup_pythons(job: dict[str, Any]) -> list[dict[str, Any]]:
    return [step["with"] for step in job["steps"] if step.get("uses", "").startswith("actions/setup-python@")]


def test_requires_python_starts_at_the_oldest_claimed_version_and_the_claims_have_no_gap() -> None:
    claimed = claimed_pythons()
    assert project()["requires-python"] == f">={claimed[0]}"
    minors = [int(v.split(".")[1]) for v in claimed]
    assert minors == list(range(minors[0], minors[0] + len(minors)))
    assert len(claimed) >= 2


def test_the_test_job_runs_on_every_claimed_python() -> None:
    test = workflow("ci.yml")["jobs"]["test"]
    assert test["strategy"]["matrix"]["python"] == claimed_pythons()
    assert [w["python-version"] for w in setup_pythons(test)] == ["${{ matrix.python }}"]


def test_the_pipeline_runs_on_one_python_everywhere_and_ci_tests_it() -> None:
    versions = {
        (name, job_name): w["python-version"]
        for name in ("ci.yml", "elt.yml")
        for job_name, job in workflow(name)["jobs"].items()
        if job_name != "test"
        for w in setup_pythons(job)
    }
    assert len(set(versions.values())) == 1, versions
    assert next(iter(versions.values())) in claimed_pythons()
    assert ("elt.yml", "pipeline") in versions


def test_every_python_setup_caches_pip_keyed_on_the_lock() -> None:
    for name in ("ci.yml", "elt.yml"):
        for job_name, job in workflow(name)["jobs"].items():
            for step in setup_pythons(job):
                assert step["cache"] == "pip", (name, job_name)
                assert step["cache-dependency-path"] == "requirements/lock*.txt", (name, job_name)


def test_the_dbt_job_covers_postgresql_15_to_18_each_on_its_own_image() -> None:
    dbt = workflow("ci.yml")["jobs"]["dbt"]
    include = dbt["strategy"]["matrix"]["include"]
    assert [entry["postgres"] for entry in include if entry["dbt"] == "1.11"] == ["15", "16", "17", "18"]
    assert [entry["postgres"] for entry in include if entry["dbt"] == "1.12"] == ["18"]
    for entry in include:
        assert re.fullmatch(rf"postgres:{entry['postgres']}(\.\d+)?@sha256:[0-9a-f]{{64}}", entry["image"]), entry
    assert dbt["services"]["postgres"]["image"] == "${{ matrix.image }}"
    assert "version 15 or later" in (ROOT / "README.md").read_text(encoding="utf-8")
