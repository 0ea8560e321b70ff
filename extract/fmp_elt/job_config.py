"""The job configuration (`jobs.yml`): per job the seed's ETLJobConfig, validated, in dependency order.

The file ships inside the package; `FMP_ELT_JOBS` points at another file (a deployment's own, or a test's).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from croniter import croniter

from fmp_elt.errors import ConfigError

JOBS_FILE_ENV = "FMP_ELT_JOBS"
FIELDS = ("name", "schedule", "timeout", "retryCount", "dependencies", "environment", "module", "critical")


@dataclass(frozen=True)
class JobConfig:
    """One job: when it runs, how long it may take, how often it is retried, what it waits for."""

    name: str
    schedule: str
    timeout: float
    retry_count: int
    dependencies: tuple[str, ...]
    environment: Mapping[str, str] = field(default_factory=dict)
    module: str = ""
    critical: bool = True

    def next_fire(self, after: datetime) -> datetime:
        """The first time the schedule fires strictly after `after` (UTC, like the workflow's cron)."""
        return croniter(self.schedule, after).get_next(datetime)

    def previous_fire(self, before: datetime) -> datetime:
        return croniter(self.schedule, before).get_prev(datetime)

    def as_seed(self) -> dict[str, Any]:
        """The seed's ETLJobConfig shape, for the API and the docs."""
        return {
            "name": self.name,
            "schedule": self.schedule,
            "timeout": self.timeout,
            "retryCount": self.retry_count,
            "dependencies": list(self.dependencies),
            "environment": dict(self.environment),
        }


def jobs_file() -> Path | None:
    override = os.environ.get(JOBS_FILE_ENV)
    return Path(override) if override else None


def load_jobs(path: Path | None = None) -> list[JobConfig]:
    """The configured jobs in dependency order (ties keep the file's order)."""
    path = path or jobs_file()
    if path is None:
        text = (resources.files("fmp_elt") / "jobs.yml").read_text(encoding="utf-8")
        where = "extract/fmp_elt/jobs.yml"
    else:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read the job configuration {path}: {exc.strerror}") from None
        where = str(path)
    try:
        document = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{where} is not valid YAML: {str(exc).splitlines()[0]}") from None
    entries = document.get("jobs") if isinstance(document, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{where} must have a non-empty `jobs:` list")
    return dependency_order([parse_job(entry, where) for entry in entries], where)


def parse_job(entry: Any, where: str) -> JobConfig:
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry["name"]:
        raise ConfigError(f"{where}: every job needs a `name`")
    name = entry["name"]
    unknown = sorted(set(entry) - set(FIELDS))
    if unknown:
        raise ConfigError(f"{where}: job {name!r} has unknown field {unknown[0]!r} (fields: {', '.join(FIELDS)})")
    missing = [key for key in FIELDS[:-1] if key not in entry]
    if missing:
        raise ConfigError(f"{where}: job {name!r} is missing {missing[0]!r}")
    schedule = str(entry["schedule"])
    if not croniter.is_valid(schedule):
        raise ConfigError(f"{where}: job {name!r} has an invalid cron schedule {schedule!r}")
    timeout, retries = entry["timeout"], entry["retryCount"]
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise ConfigError(f"{where}: job {name!r}: timeout must be a positive number of seconds")
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        raise ConfigError(f"{where}: job {name!r}: retryCount must be a whole number >= 0")
    dependencies = entry["dependencies"] or []
    environment = entry["environment"] or {}
    if not isinstance(dependencies, list) or not all(isinstance(d, str) for d in dependencies):
        raise ConfigError(f"{where}: job {name!r}: dependencies must be a list of job names")
    if not isinstance(environment, dict):
        raise ConfigError(f"{where}: job {name!r}: environment must be a mapping of variables")
    return JobConfig(
        name=name,
        schedule=schedule,
        timeout=float(timeout),
        retry_count=retries,
        dependencies=tuple(dependencies),
        environment={str(k): str(v) for k, v in environment.items()},
        module=str(entry["module"]),
        critical=bool(entry.get("critical", True)),
    )


def dependency_order(jobs: list[JobConfig], where: str = "jobs.yml") -> list[JobConfig]:
    """Topological order, stable on the given order; unknown dependencies and cycles are config errors."""
    by_name: dict[str, JobConfig] = {}
    for job in jobs:
        if job.name in by_name:
            raise ConfigError(f"{where}: job {job.name!r} is defined twice")
        by_name[job.name] = job
    for job in jobs:
        for dep in job.dependencies:
            if dep not in by_name:
                raise ConfigError(f"{where}: job {job.name!r} depends on unknown job {dep!r}")
    ordered: list[JobConfig] = []
    done: set[str] = set()
    pending = list(jobs)
    while pending:
        ready = next((job for job in pending if set(job.dependencies) <= done), None)
        if ready is None:
            raise ConfigError(f"{where}: dependency cycle among {', '.join(job.name for job in pending)}")
        ordered.append(ready)
        done.add(ready.name)
        pending.remove(ready)
    return ordered


def select(jobs: list[JobConfig], names: Iterable[str]) -> list[JobConfig]:
    """The named jobs, in dependency order; an unknown name is a usage error."""
    wanted = list(dict.fromkeys(names))
    known = {job.name for job in jobs}
    unknown = [name for name in wanted if name not in known]
    if unknown:
        raise ConfigError(f"unknown job {unknown[0]!r}; jobs are: {', '.join(job.name for job in jobs)}")
    return [job for job in jobs if job.name in wanted]


def downstream(jobs: list[JobConfig], names: Iterable[str]) -> set[str]:
    """`names` and every job that depends on one of them, directly or not."""
    reached = set(names)
    for job in jobs:  # dependency order: a job's dependencies are decided before it
        if reached & set(job.dependencies):
            reached.add(job.name)
    return reached
