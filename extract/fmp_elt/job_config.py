"""The job configuration (`jobs.yml`): per job the seed's ETLJobConfig, validated, in dependency order.

The file ships inside the package; `FMP_ELT_JOBS` points at another file (a deployment's own, or a test's).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import yaml
from croniter import croniter
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StrictStr, ValidationError
from pydantic_core import ErrorDetails

from fmp_elt import yaml_text
from fmp_elt.errors import ConfigError
from fmp_elt.redaction import redact_environment

JOBS_FILE_ENV = "FMP_ELT_JOBS"


def _cron(schedule: str) -> str:
    if not croniter.is_valid(schedule):
        raise ValueError("not a cron schedule")
    return schedule


def _names(value: Any) -> Any:
    return value or []  # `dependencies:` left empty reads as null


def _variables(value: Any) -> Any:
    """An environment for a process: string keys and values (YAML reads `1` and `true` as numbers and booleans)."""
    value = value or {}
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else value


class JobConfig(BaseModel):
    """One job: when it runs, how long it may take, how often it is retried, what it waits for.

    Validated as the file spells it (`retryCount`, unknown keys refused). Numbers are strict: a quoted `"60"` or
    a `true` is not a timeout; text fields take whatever YAML read, as text.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Annotated[str, Field(strict=True, min_length=1)]
    schedule: Annotated[str, BeforeValidator(str), AfterValidator(_cron)]
    timeout: Annotated[float, Field(strict=True, gt=0)]
    retry_count: Annotated[int, Field(strict=True, ge=0, alias="retryCount")]
    dependencies: Annotated[tuple[StrictStr, ...], BeforeValidator(_names)]
    environment: Annotated[dict[str, str], BeforeValidator(_variables)]
    module: Annotated[str, BeforeValidator(str)]
    critical: Annotated[bool, Field(strict=True)] = True  # a quoted "false" is text, and bool("false") is True

    def next_fire(self, after: datetime) -> datetime:
        """The first time the schedule fires strictly after `after` (UTC, like the workflow's cron)."""
        return croniter(self.schedule, after).get_next(datetime)

    def previous_fire(self, before: datetime) -> datetime:
        return croniter(self.schedule, before).get_prev(datetime)

    def as_seed(self) -> dict[str, Any]:
        """The seed's ETLJobConfig shape, for the API and the docs (a credential in `environment` masked)."""
        return {
            "name": self.name,
            "schedule": self.schedule,
            "timeout": self.timeout,
            "retryCount": self.retry_count,
            "dependencies": list(self.dependencies),
            "environment": redact_environment(self.environment),
        }


class JobsFile(BaseModel):
    """The whole file: a non-empty `jobs:` list. Other top-level keys are ignored (room for YAML anchors)."""

    jobs: Annotated[list[JobConfig], Field(min_length=1)]


FIELDS = tuple(info.alias or name for name, info in JobConfig.model_fields.items())
# Pydantic's wording names Python types; users get the file's terms.
VALUE_PROBLEMS = {
    "timeout": "timeout must be a positive number of seconds",
    "retryCount": "retryCount must be a whole number >= 0",
    "dependencies": "dependencies must be a list of job names",
    "environment": "environment must be a mapping of variables",
    "critical": "critical must be true or false (unquoted)",
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
        except UnicodeDecodeError as exc:
            raise ConfigError(f"{path} is not UTF-8 text (byte {exc.start} cannot be read)") from None
        where = str(path)
    try:
        document = yaml_text.load(text) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{where} is not valid YAML: {str(exc).splitlines()[0]}") from None
    try:
        jobs = JobsFile.model_validate(document).jobs
    except ValidationError as exc:
        raise ConfigError(first_problem(document, exc.errors(), where)) from None
    return dependency_order(jobs, where)


def first_problem(document: Any, errors: list[ErrorDetails], where: str) -> str:
    """One line for the first broken job, as a reader checks it: its name, unknown keys, missing keys, values."""
    if any(len(error["loc"]) < 2 for error in errors):
        return f"{where} must have a non-empty `jobs:` list"
    index = min(int(error["loc"][1]) for error in errors)
    entry_errors = [error for error in errors if error["loc"][1] == index]
    if any(len(error["loc"]) < 3 or error["loc"][2] == "name" for error in entry_errors):
        return f"{where}: every job needs a `name`"
    name = document["jobs"][index]["name"]

    def order(error: ErrorDetails) -> tuple[int, int, str]:
        key = error["loc"][2]
        if error["type"] == "extra_forbidden":
            return 0, 0, str(key)
        return (1 if error["type"] == "missing" else 2), FIELDS.index(str(key)), ""

    error = min(entry_errors, key=order)
    key = error["loc"][2]
    if error["type"] == "extra_forbidden":
        return f"{where}: job {name!r} has unknown field {key!r} (fields: {', '.join(FIELDS)})"
    if error["type"] == "missing":
        return f"{where}: job {name!r} is missing {key!r}"
    if key == "schedule":
        return f"{where}: job {name!r} has an invalid cron schedule {str(error['input'])!r}"
    problem = VALUE_PROBLEMS.get(str(key)) or f"{key}: {error['msg']}"
    return f"{where}: job {name!r}: {problem}"


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
