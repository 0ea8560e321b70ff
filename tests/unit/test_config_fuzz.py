"""Property: whatever the job configuration file or the environment holds, loading it gives a valid
configuration or a ConfigError of one line (exit 2), never another exception."""

from __future__ import annotations

import math
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fmp_elt.config import Settings
from fmp_elt.errors import ConfigError
from fmp_elt.job_config import FIELDS, JobConfig, load_jobs
from fmp_elt.orchestration.alerts import channels_from_env, remind_after

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**20), max_value=10**20)
    | st.floats()
    | st.text(max_size=12)
    | st.sampled_from(["false", "true", "0 23 * * *", "60", "-1", "nan", ".inf", "fmp_elt.jobs.site"])
)
yaml_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)
job_entries = st.dictionaries(st.sampled_from([*FIELDS, "name", "other"]), yaml_values, max_size=len(FIELDS) + 1)
documents = st.one_of(
    yaml_values,
    st.fixed_dictionaries({"jobs": st.lists(job_entries, max_size=4)}),
    st.fixed_dictionaries({"jobs": yaml_values}),
)


def one_line_or_valid(load: Callable[[], Any]) -> Any:
    """What `load` returns, or None after a ConfigError fit for the CLI's one line; any other exception fails."""
    try:
        return load()
    except ConfigError as exc:
        error = exc
    assert error.exit_code == 2
    assert str(error).strip(), "an empty error"
    assert "Traceback" not in str(error)
    return None


def check_jobs(path: Path) -> None:
    jobs = one_line_or_valid(lambda: load_jobs(path))
    if jobs is None:
        return
    assert jobs
    assert all(isinstance(job, JobConfig) for job in jobs)
    names = [job.name for job in jobs]
    assert len(set(names)) == len(names)
    for i, job in enumerate(jobs):
        assert isinstance(job.critical, bool)
        assert job.timeout > 0
        assert job.retry_count >= 0
        assert set(job.dependencies) <= set(names[:i])  # in dependency order


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_any_bytes_as_the_jobs_file(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "jobs.yml")
        path.write_bytes(content)
        check_jobs(path)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_any_yaml_document_as_the_jobs_file(document: Any) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "jobs.yml")
        path.write_text(yaml.safe_dump(document, allow_unicode=True))
        check_jobs(path)


SETTINGS_VARIABLES = [
    "FMP_PLAN",
    "FMP_RATE_LIMIT",
    "FMP_BASE_URL",
    "FMP_BULK_INTERVAL",
    "FMP_SYMBOLS",
    "FMP_API_KEY",
    "DATABASE_URL",
    "FMP_ELT_HOME",
]
ALERT_VARIABLES = [
    "SLACK_WEBHOOK_URL",
    "SMTP_HOST",
    "SMTP_PORT",
    "SMTP_USER",
    "SMTP_PASSWORD",
    "SMTP_STARTTLS",
    "ALERT_EMAIL_FROM",
    "ALERT_EMAIL_TO",
    "ALERT_REMIND_HOURS",
]
env_values = st.text(max_size=40) | st.sampled_from(
    [
        "nan",
        "inf",
        "-0",
        "1e400",
        "²",
        "99999",
        "http://h:99999/x",
        "http://[::1/x",
        "https://u:p@h/stable",
        "http://h/stable?apikey=k",
        "http://h/stable#frag",
        "postgresql://u:p@h:x/db",
        "postgres://u@h/db?sslmode=require",
        "AAPL,^GSPC,^^^",
        "premium",
    ]
)


@settings(max_examples=500, deadline=None)
@given(st.dictionaries(st.sampled_from(SETTINGS_VARIABLES), env_values))
def test_any_environment_gives_settings_or_one_line(env: dict[str, str]) -> None:
    loaded = one_line_or_valid(lambda: Settings.from_env(env))
    if loaded is None:
        return
    parts = urlsplit(loaded.base_url)
    assert parts.scheme in ("http", "https")
    assert parts.hostname
    assert not parts.query
    assert not parts.fragment
    assert "@" not in parts.netloc
    assert loaded.rate_limit_per_minute > 0
    assert math.isfinite(loaded.bulk_interval_s)
    assert loaded.bulk_interval_s >= 0


@settings(max_examples=500, deadline=None)
@given(st.dictionaries(st.sampled_from(ALERT_VARIABLES), env_values))
def test_any_alert_environment_gives_channels_or_one_line(env: dict[str, str]) -> None:
    channels = one_line_or_valid(lambda: channels_from_env(env))
    for channel in channels or []:
        port = getattr(channel, "port", 1)
        assert 1 <= port <= 65535
    remind = one_line_or_valid(lambda: remind_after(env))
    if remind is not None:
        assert remind.total_seconds() >= 0
