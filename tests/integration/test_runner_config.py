"""The job configuration: the shipped jobs.yml, and every way a hand-edited one can be wrong."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from fmp_elt.errors import ConfigError
from fmp_elt.job_config import load_jobs
from tests.fixtures.ops import job, write_jobs


def test_the_shipped_jobs_are_the_pipeline_in_dependency_order() -> None:
    jobs = load_jobs()
    names = [j.name for j in jobs]
    assert names == ["symbols", "prices", "ratios", "statements", "transform", "quality", "site"]
    by_name = {j.name: j for j in jobs}
    assert set(by_name["transform"].dependencies) == {"symbols", "prices", "ratios", "statements"}
    assert by_name["quality"].dependencies == ("transform",)
    assert by_name["site"].critical is False
    for j in jobs:
        assert j.timeout > 0
        assert j.retry_count >= 0
        assert callable(importlib.import_module(j.module).run)
        seed = j.as_seed()
        assert list(seed) == ["name", "schedule", "timeout", "retryCount", "dependencies", "environment"]


def test_next_fire_follows_the_cron_schedule_in_utc() -> None:
    [symbols] = [j for j in load_jobs() if j.name == "symbols"]
    friday_evening = datetime(2025, 3, 14, 23, 0, tzinfo=UTC)
    assert symbols.next_fire(friday_evening) == datetime(2025, 3, 17, 22, 17, tzinfo=UTC)  # Monday


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([job("a", ["b"]), job("b", ["a"])], "dependency cycle among a, b"),
        ([job("a", ["nope"])], "job 'a' depends on unknown job 'nope'"),
        ([job("a"), job("a")], "job 'a' is defined twice"),
        ([{**job("a"), "schedule": "every day"}], "job 'a' has an invalid cron schedule 'every day'"),
        ([{**job("a"), "timeout": 0}], "job 'a': timeout must be a positive number of seconds"),
        ([{**job("a"), "retryCount": -1}], "job 'a': retryCount must be a whole number >= 0"),
        (
            [{**job("a"), "retries": 2}],
            "job 'a' has unknown field 'retries'"
            " (fields: name, schedule, timeout, retryCount, dependencies, environment, module, critical)",
        ),
        ([{k: v for k, v in job("a").items() if k != "module"}], "job 'a' is missing 'module'"),
    ],
)
def test_a_broken_configuration_is_one_clear_error(tmp_path: Path, entries: list[dict], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_jobs(write_jobs(tmp_path, entries))
    assert str(caught.value).endswith(message)
    assert str(caught.value).startswith(str(tmp_path / "jobs.yml"))
