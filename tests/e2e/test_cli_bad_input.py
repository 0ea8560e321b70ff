"""Bad input gets one clear line on stderr and exit code 2, never a traceback, and touches no data."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from tests.fixtures.postgres import query


def fmp_elt(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("FMP_", "DATABASE_URL"))}
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "-m", "fmp_elt", *args], capture_output=True, text=True, env=full_env, timeout=120, check=False
    )


def assert_one_line_error(done: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in done.stderr
    for fragment in fragments:
        assert fragment in lines[0]


UNREACHABLE = "postgresql://nobody:secret-pw@127.0.0.1:1/warehouse"


@pytest.mark.parametrize(
    ("args", "env", "fragments"),
    [
        (("db", "url"), {"FMP_PLAN": "gold"}, ("FMP_PLAN", "gold")),
        (("db", "url"), {"FMP_RATE_LIMIT": "fast"}, ("FMP_RATE_LIMIT",)),
        (("db", "url"), {"FMP_RATE_LIMIT": "-5"}, ("positive",)),
        (("db", "url"), {"FMP_BASE_URL": "ftp://example"}, ("FMP_BASE_URL",)),
        (("db", "url"), {"FMP_SYMBOLS": "AAPL,DROP TABLE x"}, ("not a ticker",)),
        (("extract", "prices"), {"DATABASE_URL": UNREACHABLE}, ("FMP_API_KEY",)),
        (("extract", "prices", "--from", "2024-13-01"), {"FMP_API_KEY": "k"}, ("2024-13-01",)),
        (("extract", "prices", "--from", "2024-02-01", "--to", "2024-01-01"), {"FMP_API_KEY": "k"}, ("after",)),
        (("extract", "prices", "--symbols", "AAPL;DROP"), {"FMP_API_KEY": "k"}, ("not a ticker",)),
        (("extract", "prices", "--shard", "3/2"), {"FMP_API_KEY": "k"}, ("3/2",)),
        (("extract", "dividends"), {"FMP_API_KEY": "k"}, ("dividends",)),
        (("extract", "prices"), {"FMP_API_KEY": "k", "DATABASE_URL": UNREACHABLE}, ("cannot connect", "127.0.0.1:1")),
        (("no-such-command",), {}, ("no-such-command",)),
        (("demo", "--plan", "gold"), {}, ("--plan", "'gold' is not one of 'basic', 'starter', 'premium', 'ultimate'")),
        (
            ("simulate", "--plan", "gold"),
            {},
            ("--plan", "'gold' is not one of 'basic', 'starter', 'premium', 'ultimate'"),
        ),
    ],
    ids=[
        "unknown-plan",
        "rate-not-a-number",
        "rate-negative",
        "base-url-scheme",
        "odd-symbol-in-config",
        "missing-key",
        "bad-date",
        "reversed-range",
        "odd-symbol",
        "bad-shard",
        "unknown-stream",
        "unreachable-database",
        "unknown-command",
        "demo-unknown-plan",
        "simulate-unknown-plan",
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, env, fragments) -> None:
    done = fmp_elt(*args, **env)
    assert_one_line_error(done, *fragments)
    assert "secret-pw" not in done.stderr


LONG_TICKER = "A" * 5000


@pytest.mark.parametrize(
    ("args", "env", "fragments"),
    [
        (
            ("db", "url"),
            {"FMP_BASE_URL": "http://127.0.0.1:1/stable?apikey=url-canary"},
            ("FMP_BASE_URL='http://127.0.0.1:1/stable?apikey=***' has a query string",),
        ),
        (
            ("db", "url"),
            {"FMP_BASE_URL": "https://me:pw-canary@example.com/stable"},
            ("FMP_BASE_URL='https://***@example.com/stable' holds credentials",),
        ),
        (("run", "--retry-delay", "nan"), {}, ("--retry-delay", "nan is not a finite number")),
        (("run", "--retry-delay", "inf"), {}, ("--retry-delay", "inf is not a finite number")),
        (("logs", "--page", "99999999999999999999"), {}, ("--page", "1<=x<=1000000")),
        (("extract", "prices", "--symbols", "^^^^"), {"FMP_API_KEY": "k"}, ("not a ticker symbol: '^^^^'",)),
        (("extract", "prices", "--symbols", "A^B"), {"FMP_API_KEY": "k"}, ("not a ticker symbol: 'A^B'",)),
        (("extract", "prices", "--symbols", LONG_TICKER), {"FMP_API_KEY": "k"}, ("'AAAAAAAAAAAAAAAAAAAAA...'",)),
        (("serve", "--host", "0.0.0.0"), {"ETL_API_TOKEN": " \t "}, ("without ETL_API_TOKEN",)),
        (("status",), {"FMP_ELT_HOME": "/proc/fmp-elt"}, ("FMP_ELT_HOME '/proc/fmp-elt' cannot be used as a folder",)),
    ],
    ids=[
        "base-url-query",
        "base-url-credentials",
        "retry-delay-nan",
        "retry-delay-inf",
        "page-past-the-api-bound",
        "carets-only",
        "caret-inside",
        "5000-character-ticker",
        "blank-api-token",
        "home-under-proc",
    ],
)
def test_hostile_input_is_one_line_and_exit_2(args, env, fragments) -> None:
    done = fmp_elt(*args, **env)
    assert_one_line_error(done, *fragments)
    assert "canary" not in done.stderr
    assert len(done.stderr) < 300  # nothing is echoed whole


@pytest.mark.parametrize("command", [("status",), ("transform",), ("logs",)])
def test_a_home_that_is_a_file_is_one_line_and_exit_2(tmp_path, command) -> None:
    home = tmp_path / "home"
    home.write_text("not a folder")
    done = fmp_elt(*command, FMP_ELT_HOME=str(home))
    assert_one_line_error(done, f"FMP_ELT_HOME '{home}' is a file, not a folder")
    assert home.read_text() == "not a folder"


def test_a_site_folder_under_a_file_is_one_line_and_exit_2(tmp_path, database_url) -> None:
    blocker = tmp_path / "dir"
    blocker.write_text("a file")
    done = fmp_elt("site", str(blocker / "sub"), DATABASE_URL=database_url, FMP_ELT_HOME=str(tmp_path / "home"))
    assert_one_line_error(done, f"the site folder '{blocker / 'sub'}' cannot be used as a folder: Not a directory")


def test_the_site_job_stops_at_an_unusable_folder_without_retrying(tmp_path, database_url) -> None:
    blocker = tmp_path / "dir"
    blocker.write_text("a file")
    jobs = tmp_path / "jobs.yml"
    jobs.write_text(
        "jobs:\n  - {name: site, schedule: '0 23 * * *', timeout: 60, retryCount: 3, dependencies: [],"
        " environment: {}, module: fmp_elt.jobs.site}\n"
    )
    env = {"DATABASE_URL": database_url, "FMP_ELT_JOBS": str(jobs), "FMP_ELT_SITE_DIR": str(blocker / "sub")}
    done = fmp_elt("run", "--retry-delay", "0", **env)
    assert done.returncode == 1
    assert "retrying" not in done.stderr
    rows = query(database_url, "select status, error_message from etl.executions where job_name = 'site'")
    assert rows == [
        ("failed", f"ConfigError: the site folder '{blocker / 'sub'}' cannot be used as a folder: Not a directory")
    ]
    attempts = query(
        database_url, "select count(*) from etl.logs where job_name = 'site' and message like '%attempt%started'"
    )
    assert attempts == [(1,)]


JOB = "{name: a, schedule: '0 23 * * *', timeout: 60, retryCount: 0, dependencies: [], environment: {}, module: m"


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"\xff\xfe", "is not UTF-8 text (byte 0 cannot be read)"),
        (f"jobs:\n  - {JOB}, critical: 'false'}}\n".encode(), "job 'a': critical must be true or false (unquoted)"),
        (f"jobs:\n  - {JOB}, critical: 'no'}}\n".encode(), "job 'a': critical must be true or false (unquoted)"),
    ],
    ids=["not-utf8", "critical-quoted-false", "critical-quoted-no"],
)
def test_a_bad_jobs_file_is_one_line_and_exit_2(tmp_path, content, fragment) -> None:
    path = tmp_path / "jobs.yml"
    path.write_bytes(content)
    assert_one_line_error(fmp_elt("run", FMP_ELT_JOBS=str(path)), str(path), fragment)


def test_an_unquoted_false_makes_a_job_non_critical(tmp_path) -> None:
    from fmp_elt.job_config import load_jobs

    path = tmp_path / "jobs.yml"
    path.write_text(f"jobs:\n  - {JOB}, critical: false}}\n  - {JOB.replace('name: a', 'name: b')}}}\n")
    assert [(job.name, job.critical) for job in load_jobs(path)] == [("a", False), ("b", True)]


def test_an_extract_blocked_by_a_run_says_what_to_do(database_url) -> None:
    from fmp_elt.warehouse.runlog import run_lock

    with run_lock(database_url):
        done = fmp_elt("extract", "prices", "--symbols", "AAPL", FMP_API_KEY="k", DATABASE_URL=database_url)
    assert_one_line_error(done, "another run is in progress", "run it again once that run has finished")
    assert "--wait" not in done.stderr


def test_alert_says_which_channel_failed(tmp_path) -> None:
    from tests.fixtures.ops_alerts import slack_webhook

    with socket.socket() as probe:  # a port nothing listens on: the email channel cannot deliver
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    with slack_webhook() as slack:
        env = {
            "SLACK_WEBHOOK_URL": slack.url,
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(closed),
            "SMTP_STARTTLS": "false",
            "ALERT_EMAIL_FROM": "alerts@example.test",
            "ALERT_EMAIL_TO": "oncall@example.test",
        }
        done = fmp_elt("alert", "workflow elt", "--detail", "publish failed", **env)
    assert done.returncode == 0, done.stderr
    assert [m["text"] for m in slack.messages] == ["fmp-elt job failed: workflow elt"]
    assert done.stdout.strip() == (
        "sent on slack: fmp-elt job failed: workflow elt (not sent on email: see the warning above)"
    )
    assert "alert via email failed" in done.stderr
