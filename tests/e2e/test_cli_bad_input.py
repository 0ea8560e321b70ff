"""Bad input gets one clear line on stderr and exit code 2, never a traceback, and touches no data."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


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
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, env, fragments) -> None:
    done = fmp_elt(*args, **env)
    assert_one_line_error(done, *fragments)
    assert "secret-pw" not in done.stderr
